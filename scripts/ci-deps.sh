#!/usr/bin/env bash
# System packages the integration tests use: Chromium (browser test), boto3 and the
# AWS CLI (other-language clients of the local @connections endpoint). Installed only
# when missing; the tests say so visibly if one still is.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
command -v aws >/dev/null 2>&1 || need+=(awscli)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" || echo "ci-deps: install failed; dependent tests will report skips"
fi
exit 0
