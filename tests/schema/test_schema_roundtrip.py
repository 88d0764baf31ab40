"""The contract between ``render`` and ``parse_response``: every valid Assessment survives the round trip."""

from __future__ import annotations

from hypothesis import example, given, settings
from schema_strategies import assessments

from sqa.schema import Artifact, Assessment, parse_response, render


@settings(max_examples=400, deadline=None)
@given(assessments)
@example(Assessment())
@example(Assessment(artifacts={"noise": Artifact(True, [], "0.5-1.7s; hum")}))
@example(Assessment(artifacts={"noise": Artifact(True, [(0, 1)], "yes, 2-3s")}))
@example(Assessment(artifacts={"distortion": Artifact(False, [], "; from 1 to 2 seconds")}))
@example(Assessment(scores={"noise": 2}, description="Noise: 5\nNoise artifact: yes, 1-2s\nDescription: again"))
@example(Assessment(description='{"noise": 3}'))
@example(Assessment(description="<think>x</think>\nNoise: 1"))
@example(Assessment(artifacts={"unnatural_pause": Artifact(True, [(0.005, 59.995), (0.1, 0.1)], "")}))
def test_parse_inverts_render(a: Assessment) -> None:
    assert parse_response(render(a)) == a
