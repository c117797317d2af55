"""The `sound` stage: landmark fingerprints of the soundtrack (fingerprint/sound.py), for
finding earlier uploads through their sound. It reads the samples the transcription reads (one
audio decode per run, media/audio.py)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from verifyvid.fingerprint.sound import DENSITY, SHIFTS, SOUND_NAME, prints
from verifyvid.media.audio import SAMPLE_RATE, NoAudio, load_audio
from verifyvid.media.probe import summarize
from verifyvid.stage import Params, Result, Stage, StageContext, StageSkipped


class SoundParams(Params):
    pass


class SoundResult(Result):
    method: str = "landmarks"
    hashes: int = Field(description="landmark hashes kept (peak pairs)")
    duration: float = Field(description="seconds of sound")
    peaks_per_second: int = DENSITY
    query_hashes: int = Field(0, description="hashes of the print searched with (grid shifts)")
    shifts: int = SHIFTS
    file: str = Field(description="npz: sound_t (seconds), sound_hash (uint32), sound_duration "
                      "(archived); query_t, query_hash, query_duration, query_grids (searched with: "
                      "how many grid shifts gave each hash)")  # fmt: skip


class SoundStage(Stage[SoundParams, SoundResult]):
    name = "sound"
    version = "3"
    description = "Landmark fingerprints of the soundtrack, for finding earlier uploads by sound"
    params_model = SoundParams
    result_model = SoundResult
    libraries = ("scipy",)

    def run(self, ctx: StageContext, params: SoundParams) -> SoundResult:
        if not summarize(ctx.input_path).has_audio:
            raise StageSkipped("no audio stream")
        try:
            audio = load_audio(ctx.input_path)
        except NoAudio:
            raise StageSkipped("no audio stream") from None
        got, asked = prints(audio, SAMPLE_RATE)
        np.savez_compressed(ctx.out_dir / SOUND_NAME, allow_pickle=False, **got.arrays(),
                            **asked.arrays("query_"))  # fmt: skip
        return SoundResult(hashes=len(got), query_hashes=len(asked), duration=round(got.duration, 3),
                           file=f"{self.name}/{SOUND_NAME}")  # fmt: skip
