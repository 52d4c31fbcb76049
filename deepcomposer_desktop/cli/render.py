"""`deepcomposer render IN.mid|IN.dcproj|sample:NAME --output OUT.wav [--soundfont FILE]`:
offline WAV, rendered block by block (an hour of music at most)."""

from __future__ import annotations

from ..fileio import check_not_input
from ._shared import ProgressLine, add_progress_option, load_input

SAMPLERATES = (22050, 44100, 48000, 96000)


def register(sub) -> None:
    p = sub.add_parser("render", help="render a MIDI file or sample:NAME to a WAV file")
    p.add_argument("input", help="a MIDI file, a .dcproj or sample:NAME (e.g. sample:twinkle)")
    p.add_argument("-o", "--output", required=True, help="the WAV file to write")
    p.add_argument("--soundfont", metavar="FILE",
                   help="an .sf2/.sf3 SoundFont (default: $DEEPCOMPOSER_SOUNDFONT, then the "
                        "one installed by set-up or found in the system folders)")
    p.add_argument("--samplerate", type=int, default=44100, choices=SAMPLERATES,
                   help="sample rate in Hz (default 44100)")
    p.add_argument("--format", dest="sample_format", default="int16",
                   choices=("int16", "float32"), help="16-bit PCM (default) or 32-bit float")
    add_progress_option(p)


def run(args) -> int:
    from ..audio.render import render  # FluidSynth is loaded only for this command

    composition = load_input(args.input)
    check_not_input(args.output, args.input, args.soundfont)  # never write over what we read
    line = ProgressLine("Rendering", args.progress)
    result = render(composition, args.output, soundfont=args.soundfont,
                    samplerate=args.samplerate, sample_format=args.sample_format, progress=line)
    line.done()
    note = f", {result.clipped} samples clipped" if result.clipped else ""
    print(f"wrote {result.path} ({result.seconds:.1f} s, {result.samplerate} Hz, "
          f"{result.sample_format}, peak {result.peak:.2f}{note})")
    return 0
