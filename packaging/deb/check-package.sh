#!/usr/bin/env bash
# Builds the Debian package as released (no packed relocations, so glibc 2.34 or
# later runs it), checks what the binary needs from the C library, then installs
# it, runs it, and removes and purges it. Run as root on a Debian-like system;
# `.ci/run` calls it. Usage: packaging/deb/check-package.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

# dpkg-shlibdeps computes the package's Depends from what the binary links against.
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null
fi
command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked --version 3.8.0
WEEKLY_POSTMORTEM_PORTABLE=1 cargo build --release --locked
cargo deb --no-build
deb=$(ls -t target/debian/weekly-postmortem_*.deb | head -n 1)
echo "package: $deb"

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
binary="$unpacked/usr/bin/weekly-postmortem"
# Ubuntu 22.04 has glibc 2.35 and cannot load packed relocations.
versions=$(readelf -V "$binary")
if grep -q GLIBC_ABI_DT_RELR <<<"$versions"; then
    echo "the packaged binary needs GLIBC_ABI_DT_RELR (glibc 2.36)" >&2
    exit 1
fi
newest=$(grep -o 'GLIBC_2\.[0-9]*' <<<"$versions" | sort -uV | tail -n 1)
echo "newest glibc version the binary needs: $newest"
if [ "$(printf '%s\n' "$newest" GLIBC_2.35 | sort -V | tail -n 1)" != GLIBC_2.35 ]; then
    echo "the packaged binary needs $newest, newer than Ubuntu 22.04's GLIBC_2.35" >&2
    exit 1
fi
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
case "$depends" in
    *"libc6 (>= ${newest#GLIBC_})"*) ;;
    *) echo "Depends does not say libc6 (>= ${newest#GLIBC_})" >&2; exit 1 ;;
esac
# The listing is read whole first: `grep -q` stopping early would break dpkg-deb's pipe.
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/weekly-postmortem ./usr/lib/systemd/system/weekly-postmortem.service \
    ./etc/weekly-postmortem/config.toml ./usr/share/doc/weekly-postmortem/README.md; do
    grep -q " $path\$" <<<"$contents" || { echo "the package lacks $path" >&2; exit 1; }
done
grep -q '^ExecStart=/usr/bin/weekly-postmortem ' "$unpacked/usr/lib/systemd/system/weekly-postmortem.service"
conffiles=$(dpkg-deb -I "$deb" conffiles)
grep -qx /etc/weekly-postmortem/config.toml <<<"$conffiles"

dpkg -i "$deb"
weekly-postmortem --version
weekly-postmortem --config /etc/weekly-postmortem/config.toml check-config
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    if systemctl is-enabled weekly-postmortem >/dev/null 2>&1; then
        echo "the service was enabled by the package; it must wait until configured" >&2
        exit 1
    fi
fi
dpkg --remove weekly-postmortem
test ! -e /usr/bin/weekly-postmortem
test -e /etc/weekly-postmortem/config.toml   # a removed package keeps its conffile
dpkg --purge weekly-postmortem
test ! -e /etc/weekly-postmortem/config.toml
echo "the package installs, runs, and removes and purges cleanly"
