"""OpenAI-compatible HTTP backend (against a local stub), local transformers backend, factory."""

import pytest
from stub_server import closed_port_url, stub_chat_server

from sqa.llm import (
    JudgeUnavailable,
    LLMJudge,
    NoJudgeError,
    OpenAIChatBackend,
    RuleJudge,
    TransformersChatBackend,
    get_backend,
    get_judge,
)
from sqa.schema import Artifact, Assessment


def test_http_backend_posts_chat_request_and_returns_reply():
    with stub_chat_server(lambda p: f"Score: {len(p['messages'])}") as (url, seen):
        b = OpenAIChatBackend(
            url, "Qwen3-8B", api_key="k", extra_body={"chat_template_kwargs": {"enable_thinking": False}}
        )
        assert b.chat([{"role": "user", "content": "hi"}], max_tokens=5) == "Score: 1"
    req = seen[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer k"
    assert req["payload"]["model"] == "Qwen3-8B" and req["payload"]["max_tokens"] == 5
    assert req["payload"]["temperature"] == 0.0
    assert req["payload"]["chat_template_kwargs"] == {"enable_thinking": False}


def test_http_judge_rates_one_dimension_per_request():
    ref = Assessment({"noise": 2, "speed": 3}, {"noise": Artifact(True, [(0, 1)], "hum")})
    cand = Assessment({"noise": 3, "speed": 3}, {"noise": Artifact(True, [(0, 1)], "hum")})
    with stub_chat_server(lambda p: "<think>compare</think>\nScore: 6") as (url, seen):
        judge = get_judge(f"{url}#Qwen3-8B")
        assert judge.label == "llm:Qwen3-8B"
        assert judge.rate_dimensions([("noise", ref, cand), ("speed", ref, cand)]) == [6.0, 6.0]
    prompts = sorted(r["payload"]["messages"][-1]["content"] for r in seen)
    noise_prompt = next(p for p in prompts if "Noise artifact" in p)
    assert "Noise: 2" in noise_prompt and "Noise: 3" in noise_prompt and "Speed" not in noise_prompt.split("covers:")[1]


def test_http_judge_unified_ratings():
    reply = "Helpfulness: 8\nRelevance: 9\nAccuracy: 5\nLevel of detail: 2"
    with stub_chat_server(lambda p: reply) as (url, _):
        ratings = get_judge(f"{url}#m").rate_unified([("Noise: 2", "Noise: 3")])
    assert ratings == [{"helpfulness": 8.0, "relevance": 9.0, "accuracy": 5.0, "detail": 2.0}]


def test_unreachable_endpoint_raises_one_line_error_naming_url():
    url = closed_port_url()
    b = OpenAIChatBackend(url, "Qwen3-8B", retries=0, timeout=2)
    with pytest.raises(JudgeUnavailable) as info:
        b.chat([{"role": "user", "content": "hi"}])
    msg = str(info.value)
    assert f"{url}/chat/completions" in msg and "unreachable" in msg and "\n" not in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_http_error_status_raises_judge_unavailable():
    with stub_chat_server(status=404) as (url, _):
        with pytest.raises(JudgeUnavailable, match="HTTP 404"):
            OpenAIChatBackend(url, "nope").chat([{"role": "user", "content": "hi"}])


@pytest.fixture(scope="module")
def tiny_qwen2(tmp_path_factory):
    """A randomly initialised 1-layer Qwen2 with a character-level tokenizer, saved locally (no download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    path = tmp_path_factory.mktemp("tiny_qwen2")
    vocab = {w: i for i, w in enumerate(["<pad>", "<eos>", "<unk>"] + list("abcdefghijklmnopqrstuvwxyz0123456789 :.,"))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    hf_tok.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}"
    )
    cfg = Qwen2Config(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        pad_token_id=0,
        eos_token_id=1,
    )
    Qwen2ForCausalLM(cfg).save_pretrained(path)
    hf_tok.save_pretrained(path)
    return path


def test_transformers_backend_loads_lazily_and_generates(tiny_qwen2):
    b = get_backend(f"hf:{tiny_qwen2}")
    assert isinstance(b, TransformersChatBackend) and b._model is None
    b.max_new_tokens = 6
    reply = b.chat([{"role": "user", "content": "rate: 5"}])
    assert isinstance(reply, str) and b._model is not None
    assert b.chat([{"role": "user", "content": "rate: 5"}]) == reply  # greedy: deterministic
    judge = get_judge(b)
    assert isinstance(judge, LLMJudge) and judge.label == f"llm:hf:{tiny_qwen2.name}"


def test_transformers_backend_missing_model_raises_judge_unavailable(tmp_path):
    with pytest.raises(JudgeUnavailable, match=str(tmp_path / "nothing")):
        TransformersChatBackend(str(tmp_path / "nothing")).chat([{"role": "user", "content": "hi"}])


def test_factory_specs_and_errors():
    assert isinstance(get_backend("rule"), RuleJudge) and get_backend("rule").similarity == "minilm"
    with pytest.raises(NoJudgeError, match="no judge given; pass a spec"):  # no stand-in unless named
        get_backend(None)
    assert get_backend("rule:rouge").similarity == "rouge"
    b = get_backend("https://api.example.org/v1/#gpt-4o")
    assert isinstance(b, OpenAIChatBackend) and b.url == "https://api.example.org/v1/chat/completions"
    judge = RuleJudge()
    assert get_backend(judge) is judge and get_judge(judge) is judge
    with pytest.raises(ValueError, match="names no model"):
        get_backend("http://127.0.0.1:8000/v1")
    with pytest.raises(ValueError, match="unknown judge spec"):
        get_backend("gpt4")
    with pytest.raises(TypeError):
        get_backend(42)
