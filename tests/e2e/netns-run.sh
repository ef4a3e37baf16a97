#!/bin/sh
# Runs a command (an e2e test) in a network namespace of its own, so that
# the test may drop one participant's UDP without touching the machine's
# network:
#
#   tests/e2e/netns-run.sh node --test tests/e2e/faults.test.mjs
#
# The namespace has its loopback and one veth pair, hc0 (10.77.0.1/24) and
# hc1: browsers and libnice leave loopback out of ICE, so the server and
# the browsers meet on 10.77.0.1 (the kernel still carries it over lo).
# IPv6 is off, and the policy-routing rule of the local table moves from
# preference 0 to 100, so that a rule the test adds before it
# (`ip rule add pref 10 ipproto udp sport P blackhole`) drops a flow.
#
# Needs root (CI) or unprivileged user namespaces, util-linux's unshare
# and iproute2's ip.
set -eu
if [ -z "${HC_NETNS:-}" ]; then
  for how in "--net" "--user --map-root-user --net"; do
    # shellcheck disable=SC2086 # $how is two or four words on purpose
    if unshare $how -- true 2>/dev/null; then
      exec unshare $how -- env HC_NETNS=1 "$0" "$@"
    fi
  done
  echo "netns-run.sh: cannot create a network namespace (unshare --net" \
    "needs root or unprivileged user namespaces)" >&2
  exit 1
fi
ip link set lo up
ip link add hc0 type veth peer name hc1
for dev in all default lo hc0 hc1; do
  echo 1 > "/proc/sys/net/ipv6/conf/$dev/disable_ipv6"
done
ip addr add 10.77.0.1/24 dev hc0
ip link set hc0 up
ip link set hc1 up
ip rule add pref 100 lookup local
ip rule del pref 0
exec "$@"
