#!/usr/bin/env bash
# Install the system packages DeepComposer Desktop needs on Debian/Ubuntu, only
# those still missing (so a second run takes a fraction of a second).
#   packaging/setup-debian.sh run    the app: FluidSynth, a GM SoundFont, Qt's X libraries, ALSA
#   packaging/setup-debian.sh test   the same plus Xvfb and JACK (real MIDI ports without a sound card),
#                                    the fluidsynth command and the TimGM6mb SoundFont (make bench, make package)
set -euo pipefail
profile=${1:-run}

run_pkgs=(
  libfluidsynth3 fluid-soundfont-gm           # synthesis and a General MIDI SoundFont (MIT)
  libasound2                                  # python-rtmidi needs it at import
  libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxkbcommon-x11-0 libxcb-xinerama0 libxcb-randr0
)
test_pkgs=(xvfb xauth jackd2
  fluidsynth                                  # the command-line renderer make bench compares with
  timgm6mb-soundfont)                         # the small GM SoundFont make package bundles (GPL-2)

pkgs=("${run_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")
# A system Python without venv/ensurepip (Debian splits it out) needs python3-venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then pkgs+=(python3-venv); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Not a Debian/Ubuntu system; install these yourself (see README): ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
