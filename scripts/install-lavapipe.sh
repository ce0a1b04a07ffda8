#!/usr/bin/env bash
# Mesa 25's lavapipe (a Vulkan driver on the CPU) for the WebGPU float16 tests: the only
# software adapter here that offers `shader-f16`. Debian 12's own Mesa 22 lavapipe is rejected by
# Dawn, so this takes mesa-vulkan-drivers from bookworm-backports and unpacks it into a private
# folder (nothing is installed system-wide), then writes a Vulkan ICD file pointing at it.
# Idempotent: a second run finds the ICD and does nothing. Prints the ICD's path.
#
#   scripts/install-lavapipe.sh          # into .cache/lavapipe (git ignores it)
#   NABLA_LAVAPIPE_DIR=/opt/lvp scripts/install-lavapipe.sh
#
# Needs apt-get (root only to add the backports source the first time) and the system's
# libLLVM-15 and libdrm2, which libgl1-mesa-dri already brings.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${NABLA_LAVAPIPE_DIR:-$root/.cache/lavapipe}"
icd="$dir/lvp_icd.json"
lib="$dir/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"

if [ -f "$icd" ] && [ -f "$lib" ]; then
  echo "$icd"
  exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "install-lavapipe: apt-get and dpkg-deb are needed (Debian)" >&2
  exit 1
fi

codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
if [ "$codename" = bookworm ]; then
  suite=bookworm-backports
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    if [ "$(id -u)" != 0 ]; then
      echo "install-lavapipe: bookworm-backports is not an apt source; run this once as root to add it" >&2
      exit 1
    fi
    cat >/etc/apt/sources.list.d/nabla-bookworm-backports.sources <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -qq
  fi
  spec="mesa-vulkan-drivers/$suite"
else
  # Newer Debian ships Mesa 25 or later itself.
  spec="mesa-vulkan-drivers"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current folder, as this user (not apt's sandbox user, who
# cannot write into a private temporary folder).
(cd "$work" && apt-get -o APT::Sandbox::User="$(id -un)" download -qq "$spec")
rm -rf "$dir/root"
mkdir -p "$dir/root"
dpkg-deb -x "$work"/mesa-vulkan-drivers_*.deb "$dir/root"
if [ ! -f "$lib" ]; then
  echo "install-lavapipe: the package has no $lib" >&2
  exit 1
fi
cat >"$icd.tmp" <<EOF
{
  "file_format_version": "1.0.0",
  "ICD": { "library_path": "$lib", "api_version": "1.3.0" }
}
EOF
mv "$icd.tmp" "$icd"
echo "$icd"
