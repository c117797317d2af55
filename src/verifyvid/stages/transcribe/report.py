"""The report's Speech section, from the transcribe stage's result."""

from __future__ import annotations

from verifyvid.lanes import Mark
from verifyvid.render import code, md, not_run, stamp
from verifyvid.stage import Shown
from verifyvid.stages.transcribe.models import TranscribeResult


def speech(shown: Shown[TranscribeResult], excerpt: int = 20) -> list[str]:
    out = ["## Speech", ""]
    r = shown.result
    if r is None:
        return out + not_run(shown.name, shown.record)
    out.append(
        f"Whisper model {code(r.model)} ({'faster-whisper' if r.engine == 'faster' else 'openai-whisper'}); "
        f"{r.speech_seconds:.1f} s of speech in {r.audio_seconds:.1f} s of audio."
    )
    out.append("")
    if not r.verdict.languages:
        return [*out, "No speech was found.", ""]
    verdict = r.verdict_words()
    if r.verdict.abstained:
        out += [f"**Spoken language**: {md(verdict)}. The evidence does not separate these languages; "
                "a single name would be a guess.", ""]  # fmt: skip
    else:
        among = " among the candidates you gave" if r.candidates else ""
        out += [f"**Spoken language**{among}: {md(verdict)}.", ""]
    out += [f"How: {md(r.verdict.method)}.", ""]
    if r.candidates:
        cand = ", ".join(f"{md(s.name)} {s.probability:.0%}" for s in r.candidates)
        out += [f"**Among the candidates you gave** (`--languages`): {cand}.", ""]
    top = ", ".join(f"{md(s.name)} ({s.code}) {s.probability:.0%}" for s in r.languages)
    out += [f"**Detection over all the speech, unrestricted** (top 5): {top}.", ""]
    out += ["| from | to | language | probability |", "|---|---|---|---|"]
    out += [
        f"| {stamp(s.start)} | {stamp(s.end)} | {md(' or '.join(s.languages))} | {s.probability:.0%} |"
        for s in r.timeline
    ]
    out += ["", "**Transcript** (excerpt):", ""]
    out += [f"- `{stamp(s.start)}` ({md(s.language)}) {md(s.text)}" for s in r.segments[:excerpt]]
    if len(r.segments) > excerpt:
        out.append(f"- … {len(r.segments) - excerpt} more segments in transcribe/transcript.txt")
    if r.translation and r.translation_reliable is False:
        out += ["", "**English translation**: not shown, because it would be unreliable: "
                + md("; ".join(r.translation_warnings)) + ". Have the transcript translated by a person "
                "(the machine translation is kept in transcribe/translation.srt).", ""]  # fmt: skip
    elif r.translation:
        out += ["", "**English translation** (machine, excerpt):", ""]
        out += [f"- `{stamp(s.start)}` {md(s.text)}" for s in r.translation[:excerpt]]
    return [*out, ""]


def marks(result: TranscribeResult) -> list[Mark]:
    """The spoken language of each stretch of speech (several when they could not be told apart)."""
    return [Mark("speech", s.start, s.end, "/".join(s.languages) or "?") for s in result.timeline]
