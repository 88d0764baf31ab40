"""Command line: ``python -m sqa assess FILE...``, ``check``, ``prepare``, ``train STAGE``, ``intervals``, ``tables``,
``export`` and ``report``.

Run ``python -m sqa assess --help`` for the options.
"""

from __future__ import annotations

import argparse
import sys

from sqa.configs.errors import ProfileInputError


def _report(args) -> int:
    from sqa.analysis.report import build_report
    from sqa.configs.profiles import repo_root

    res = repo_root() / "results" / args.profile
    out = build_report(res / "notebooks", res / "report.html", title=f"sqa: {args.profile} profile")
    print(out)
    return 0


def _intervals(args) -> int:
    """Bootstrap intervals, contrasts, seeds and the claims table of ``results/<profile>`` (sqa.analysis.intervals)."""
    from sqa.analysis.intervals import write_intervals
    from sqa.configs.profiles import repo_root

    seeds = [int(s) for s in str(args.seeds).replace(",", " ").split()]
    for path in write_intervals(repo_root() / "results" / args.profile, seeds=seeds, n_boot=args.n_boot).values():
        print(path)
    return 0


def _reproduction(args) -> int:
    """This run's results/<profile> against the committed ones (``sqa.analysis.reproduction``)."""
    import logging

    from sqa.analysis.reproduction import write_reproduction
    from sqa.configs.profiles import repo_root

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    paths = write_reproduction(repo_root() / "results" / args.profile, ref=args.ref)
    for path in (paths or {}).values():
        print(path)
    return 0


def _tables(args) -> int:
    """Tables 1 and 3 of every seed from the evaluated systems, training nothing
    (``sqa.pipeline.system_results.cached_rows``)."""
    from sqa.analysis.tables import write_tables
    from sqa.configs.profiles import get_profile
    from sqa.pipeline.system_results import cached_rows, results_dir

    for k in [int(s) for s in str(args.seeds).replace(",", " ").split()]:
        profile = get_profile(args.profile, seed=k)
        for path in write_tables(cached_rows(profile), results_dir(profile) / "tables"):
            print(path)
    return 0


def _prepare(args) -> int:
    """Generate (or check) the profile's data and build (or find) its base model, once, before the
    notebooks that train in parallel (``make -j2 reproduce``) need them."""
    from sqa.configs.profiles import get_profile
    from sqa.data import prepare_profile_data
    from sqa.data.corpora import corpus_of
    from sqa.train import resolve_model

    profile = get_profile(args.profile, data_dir=args.data_dir)
    try:
        data = prepare_profile_data(profile)
    except ProfileInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("data:", data)
    for line in corpus_of(profile).summary(data):  # QualiSpeech's layout: every problem row counted, per split
        print(" ", line)
    print("base model:", resolve_model(profile))
    return 0


def _check(args) -> int:
    """The preflight checklist (``sqa.pipeline.preflight``): exit 0 only when the profile can run here."""
    from sqa.configs.profiles import get_profile
    from sqa.pipeline.preflight import preflight

    return 0 if preflight(get_profile(args.profile, data_dir=args.data_dir), generators=tuple(args.generator)) else 1


def _train(args) -> int:
    """Build one cached stage (``sqa.pipeline.stages.build_stage``) and print its model dir, after the preflight
    checklist (on stderr; ``--no-check`` skips it)."""
    from sqa.configs.profiles import get_profile
    from sqa.configs.sources import rewards_need_judge
    from sqa.configs.systems import get_system
    from sqa.llm.errors import JudgeUnavailable
    from sqa.pipeline.preflight import preflight
    from sqa.pipeline.stages import build_stage, parse_reward_names
    from sqa.pipeline.system_results import evaluate_system

    profile = get_profile(args.profile, data_dir=args.data_dir, rollouts=args.rollouts)
    rewards = (
        parse_reward_names(args.stage.removeprefix("grpo_").removesuffix("_text_only"))
        if args.stage.startswith("grpo_")
        else []
    )
    if not args.no_check and not preflight(profile, needs_judge=rewards_need_judge(rewards), out=sys.stderr):
        print(f"error: python -m sqa check --profile {profile.name} failed; nothing trained", file=sys.stderr)
        return 2
    from sqa.configs import distributed

    distributed.init()  # accelerate launch --num_processes N: one process group for every stage
    if distributed.launched():
        from sqa.data import prepare_profile_data
        from sqa.train import resolve_model

        with distributed.main_first():  # the corpus and base model are written once
            prepare_profile_data(profile, progress=False)
            resolve_model(profile)
    try:
        path = build_stage(profile, args.stage)
        if distributed.is_main():
            print(path)
        for name in args.evaluate:  # the systems of this stage, evaluated now (cached for notebook 04)
            metrics = evaluate_system(profile, get_system(name), progress=True)
            if distributed.is_main():
                print(f"{metrics['system']}: avg PCC {metrics.get('avg_pcc')}, MOS PCC {metrics.get('mos_pcc')}")
    except (ValueError, KeyError, JudgeUnavailable) as e:  # a server gone mid-run too: one line, not a traceback
        print(f"error: {e.args[0] if isinstance(e, KeyError) else e}", file=sys.stderr)
        return 2
    return 0


def _export(args) -> int:
    """Write a trained stage (adapters chained to their base) as one merged model dir."""
    from sqa.model.stages import export_merged

    try:
        written = export_merged(args.stage_dir, args.out_dir, dtype=args.dtype)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.out_dir}: merged model, {written / 1e9:.2f} GB")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sqa", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    try:
        from sqa.cli.assess import add_assess_parser
    except ImportError:  # pragma: no cover - assess lives in its own module
        add_assess_parser = None
    if add_assess_parser is not None:
        add_assess_parser(sub)
    from sqa.cli.serve import add_serve_parser

    add_serve_parser(sub)
    check = sub.add_parser("check", help="preflight: can this profile run here? one line per item, exit 0 only if so")
    check.add_argument("--profile", default="tiny")
    check.add_argument("--data-dir", default=None)
    check.add_argument(
        "--generator",
        action="append",
        default=[],
        metavar="URL#NAME",
        help="an endpoint that will write answers (checked to answer a chat request); repeatable",
    )
    check.set_defaults(func=_check)
    prep = sub.add_parser("prepare", help="generate the profile's data and build its base model (idempotent)")
    prep.add_argument("--profile", default="tiny")
    prep.add_argument("--data-dir", default=None)
    prep.set_defaults(func=_prepare)
    train = sub.add_parser("train", help="train (or find cached) one stage under runs/<profile>/, e.g. sft_from_base")
    train.add_argument(
        "stage",
        help="calibration, calibration_frozen, sft_from_{base,calibration,calibration_frozen}, "
        "warmup, grpo_<rewards>[_text_only], tasks (the multi-task model)",
    )
    train.add_argument(
        "--evaluate",
        action="append",
        default=[],
        metavar="SYSTEM",
        help="then evaluate this system of sqa.configs.systems.SYSTEMS on the test split (name or slug; "
        "cached under results/<profile>/systems/); repeatable",
    )
    train.add_argument("--profile", default="tiny")
    train.add_argument("--data-dir", default=None)
    train.add_argument("--no-check", action="store_true", help="skip the preflight checklist")
    train.add_argument(
        "--rollouts",
        default=None,
        metavar="local|URL#NAME",
        help="who samples GRPO's rollouts: local, or a vLLM server serving the warm-up (python -m sqa "
        "serve warmup prints its spec); default: the profile's rollouts",
    )
    train.set_defaults(func=_train)
    ci = sub.add_parser(
        "intervals", help="bootstrap CIs, contrasts, seeds and claims.csv under results/<profile>/tables"
    )
    ci.add_argument("--profile", default="tiny")
    ci.add_argument("--seeds", default="0", help='training seeds to aggregate, e.g. "0 1 2" (default: 0)')
    ci.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    ci.set_defaults(func=_intervals)
    rp = sub.add_parser(
        "reproduction",
        help="compare results/<profile> with the committed results of the same seeds "
        "(tables/reproduction*.csv; nothing without git)",
    )
    rp.add_argument("--profile", default="tiny")
    rp.add_argument("--ref", default="HEAD", help="the git revision holding the committed results (default HEAD)")
    rp.set_defaults(func=_reproduction)
    tab = sub.add_parser(
        "tables",
        help="Tables 1 and 3 per seed from the evaluated systems' metrics.json, "
        "evaluating the no-training systems (DNSMOS, detectors); trains nothing",
    )
    tab.add_argument("--profile", default="tiny")
    tab.add_argument("--seeds", default="0", help='training seeds, e.g. "0 1 2" (default: 0)')
    tab.set_defaults(func=_tables)
    exp = sub.add_parser("export", help="write a trained stage dir as one merged model dir (e.g. for vllm serve)")
    exp.add_argument("stage_dir")
    exp.add_argument("out_dir")
    exp.add_argument(
        "--dtype",
        default=None,
        choices=["float32", "bfloat16", "float16"],
        help="default: the dtype the stage trained in",
    )
    exp.set_defaults(func=_export)
    rep = sub.add_parser("report", help="render results/<profile>/notebooks/*.ipynb into results/<profile>/report.html")
    rep.add_argument("--profile", default="tiny")
    rep.set_defaults(func=_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
