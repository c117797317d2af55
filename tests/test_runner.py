"""The stage runner: order, caching, failure containment, unavailable stages, params."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from verifyvid.case.folder import Case, input_record, open_case
from verifyvid.errors import UsageError
from verifyvid.pipeline.plan import RunOptions, ordered
from verifyvid.pipeline.runner import Runner
from verifyvid.stage import (
    Params,
    Result,
    Stage,
    StageContext,
    StageSkipped,
    StageUnavailable,
)


class NumParams(Params):
    n: int = 1


class NumResult(Result):
    value: int


class Recorder(Stage[NumParams, NumResult]):
    """A configurable test stage that records its runs."""

    version = "1"
    description = "test"
    params_model = NumParams
    result_model = NumResult
    runs: ClassVar[list[str]] = []

    def __init__(self, name: str, requires: tuple[str, ...] = (), behaviour: str = "ok") -> None:
        self.name = name  # type: ignore[misc]
        self.requires = requires  # type: ignore[misc]
        self.behaviour = behaviour

    def run(self, ctx: StageContext, params: NumParams) -> NumResult:
        Recorder.runs.append(self.name)
        (ctx.out_dir / "extra.txt").write_text(f"{self.name} {params.n}")
        if self.behaviour == "fail":
            raise ValueError("boom\nsecond line")
        if self.behaviour == "unavailable":
            raise StageUnavailable("model missing", fix="install the model")
        if self.behaviour == "skip":
            raise StageSkipped("no audio stream")
        base = sum(ctx.dep(d, NumResult).value for d in self.requires)  # type: ignore[union-attr]
        return NumResult(value=base + params.n)


@pytest.fixture
def case(small_clip: Path, tmp_path: Path) -> Case:
    Recorder.runs = []
    c = open_case(tmp_path / "case", input_record(small_clip))
    c.save()
    return c


def run(case: Case, stages: list[Any], **kw: Any) -> dict[str, Any]:
    return Runner(case, stages, RunOptions(**kw)).run()


def test_dependency_order() -> None:
    c = Recorder("c", requires=("b",))
    b = Recorder("b", requires=("a",))
    a = Recorder("a")
    assert [s.name for s in ordered([c, b, a])] == ["a", "b", "c"]


def test_results_flow_and_cache(case: Case) -> None:
    stages = [Recorder("a"), Recorder("b", requires=("a",))]
    out = run(case, stages)
    assert {k: v.status for k, v in out.items()} == {"a": "ok", "b": "ok"}
    assert case.load_result("b", NumResult) == NumResult(value=2)
    assert (case.root / "b" / "extra.txt").read_text() == "b 1"
    Recorder.runs = []
    out = run(case, stages)
    assert {v.status for v in out.values()} == {"cached"} and Recorder.runs == []


def test_param_change_reruns_stage_and_dependents(case: Case) -> None:
    stages = [Recorder("a"), Recorder("b", requires=("a",)), Recorder("c")]
    run(case, stages)
    Recorder.runs = []
    out = run(case, stages, params={"a": {"n": 5}})
    assert Recorder.runs == ["a", "b"]
    assert out["c"].status == "cached"
    assert case.load_result("b", NumResult) == NumResult(value=6)


def test_bad_param_is_usage_error(case: Case) -> None:
    with pytest.raises(UsageError, match=r"stage a: n \(flag --n\) = 'x': input should be a valid"):
        run(case, [Recorder("a")], params={"a": {"n": "x"}})
    with pytest.raises(UsageError, match="stage a: no setting nope"):
        run(case, [Recorder("a")], params={"a": {"nope": 1}})


def test_failure_is_contained_and_keeps_other_output(case: Case) -> None:
    run(case, [Recorder("a"), Recorder("b", requires=("a",)), Recorder("c")])
    before = (case.root / "c" / "result.json").read_bytes()
    stages = [Recorder("a", behaviour="fail"), Recorder("b", requires=("a",)), Recorder("c")]
    out = run(case, stages, force=True)
    assert out["a"].status == "failed"
    assert out["a"].error == "ValueError: boom second line"
    assert out["b"].status == "skipped" and "needs stage a" in (out["b"].error or "")
    assert out["c"].status == "ok"
    assert (case.root / "c" / "result.json").read_bytes() == before
    # the failed stage's previous output is left as it was
    assert case.load_result("a", NumResult) == NumResult(value=1)
    record = case.manifest.stages["a"]
    assert record.traceback and "ValueError" in record.traceback
    assert not list(case.root.glob(".*.tmp-*"))


def test_unavailable_and_skipped(case: Case) -> None:
    out = run(case, [Recorder("u", behaviour="unavailable"), Recorder("s", behaviour="skip")])
    assert out["u"].status == "unavailable" and out["u"].fix == "install the model"
    assert out["s"].status == "skipped" and out["s"].error == "no audio stream"
    Recorder.runs = []
    out = run(case, [Recorder("u", behaviour="unavailable"), Recorder("s", behaviour="skip")])
    assert Recorder.runs == ["u"], "unavailable is retried, skipped is remembered"
    assert out["s"].status == "skipped"


def test_only_runs_requirements(case: Case) -> None:
    stages = [Recorder("a"), Recorder("b", requires=("a",)), Recorder("c")]
    out = run(case, stages, only=frozenset({"b"}))
    assert set(out) == {"a", "b"}
    assert "c" not in case.manifest.stages


def test_missing_output_file_reruns(case: Case) -> None:
    run(case, [Recorder("a")])
    (case.root / "a" / "extra.txt").unlink()
    Recorder.runs = []
    out = run(case, [Recorder("a")])
    assert out["a"].status == "ok" and Recorder.runs == ["a"]


def test_debug_reraises(case: Case) -> None:
    with pytest.raises(ValueError, match="boom"):
        run(case, [Recorder("a", behaviour="fail")], debug=True)
