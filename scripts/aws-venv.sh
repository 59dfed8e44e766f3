# Sourced by scripts/test.sh and scripts/bench-serve.sh: `aws_venv [moto]` makes a private Python
# virtual environment in aws-venv under the target directory with the AWS clients the tests drive `serve` with
# (boto3, pinned) and, when asked, moto's server for the benchmark; exports AWS_VENV.
aws_venv() {
  AWS_VENV="$(scripts/target-dir.sh)/aws-venv"
  export AWS_VENV
  local packages=(boto3==1.44.8)
  if [[ ${1:-} == moto ]]; then packages+=("moto[server]==5.2.5"); fi
  if [[ ! -x $AWS_VENV/bin/python ]]; then
    python3 -m venv "$AWS_VENV"
  fi
  local wanted
  for wanted in "${packages[@]}"; do
    if ! "$AWS_VENV/bin/pip" show "${wanted%%[[=]*}" 2>/dev/null | grep -qx "Version: ${wanted##*==}"; then
      "$AWS_VENV/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
      break
    fi
  done
}
