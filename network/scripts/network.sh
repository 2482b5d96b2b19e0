#!/usr/bin/env bash
# The Shulian consortium as local processes on 127.0.0.1 (no Docker): one orderer org (NLCOrdererMSP,
# etcdraft, 1 or 3 orderers), three peer orgs (NLCMSP, JilinLibraryMSP, HebeiLibraryMSP), channel
# `smartlibrary`, chaincode `shulian` as a service with the project's external builder.
#
#   network.sh up       crypto material, channel genesis block, orderers and peers, channel joined
#   network.sh deploy   package, install, approve (every org), commit; start one chaincode server per org
#                       (run again after changing the chaincode: a new sequence is approved and committed)
#   network.sh status   processes, ports, channel height, committed chaincode
#   network.sh down     stop every process started here and delete $NETWORK_HOME
#   network.sh stop|start   stop / restart the processes, keeping the data
#   network.sh config   only the files (crypto, genesis block, core.yaml/orderer.yaml): for network/compose
#   network.sh join     only the channel joins and connection files (nodes already running, e.g. in Docker)
#
# Settings (environment):
#   FABRIC_BIN        folder with peer, orderer, configtxgen, osnadmin (default: from PATH)
#   FABRIC_CFG_TEMPLATES  folder with Fabric's core.yaml and orderer.yaml (default: $FABRIC_BIN/../config)
#   NETWORK_HOME      data, logs, crypto, connection files (default: network/.run)
#   ORDERERS          1 or 3 (default 1)
#   PORT_BASE         ports are PORT_BASE + fixed offsets (default 27000; see `status`)
#   CC_VERSION        chaincode version label (default: 1.0)
#   CCAAS             local: deploy starts the chaincode servers as local processes (default);
#                     external: something else runs them (network/compose), deploy only writes their ids
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NETDIR="$(dirname "$HERE")"
REPO="$(dirname "$NETDIR")"
NETWORK_HOME="${NETWORK_HOME:-$NETDIR/.run}"
ORDERERS="${ORDERERS:-1}"
PORT_BASE="${PORT_BASE:-27000}"
CHANNEL=smartlibrary
CC_NAME=shulian
CC_VERSION="${CC_VERSION:-1.0}"
CCAAS="${CCAAS:-local}"
CC_POLICY="OutOf(2,'NLCMSP.peer','JilinLibraryMSP.peer','HebeiLibraryMSP.peer')"

if [ -n "${FABRIC_BIN:-}" ]; then export PATH="$FABRIC_BIN:$PATH"; fi
ORGS_DIR="$NETWORK_HOME/organizations"
ORD_DOMAIN=orderer.library.cn
PEER_ORGS=(nlc jilin hebei)

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

msp_of() { case "$1" in nlc) echo NLCMSP ;; jilin) echo JilinLibraryMSP ;; hebei) echo HebeiLibraryMSP ;; *) die "unknown org $1" ;; esac; }
org_index() { case "$1" in nlc) echo 0 ;; jilin) echo 1 ;; hebei) echo 2 ;; esac; }
peer_port() { echo $((PORT_BASE + 1051 + 1000 * $(org_index "$1"))); }
peer_cc_port() { echo $((PORT_BASE + 1052 + 1000 * $(org_index "$1"))); }
peer_ops_port() { echo $((PORT_BASE + 2450 + $(org_index "$1"))); }
ccaas_port() { echo $((PORT_BASE + 1060 + 1000 * $(org_index "$1"))); }
orderer_port() { echo $((PORT_BASE + 50 + 100 * $1)); }
orderer_admin_port() { echo $((PORT_BASE + 53 + 100 * $1)); }
orderer_ops_port() { echo $((PORT_BASE + 2443 + $1)); }
peer_dir() { echo "$ORGS_DIR/peerOrganizations/$1.library.cn/peers/peer0.$1.library.cn"; }
orderer_dir() { echo "$ORGS_DIR/ordererOrganizations/$ORD_DOMAIN/orderers/orderer$1.$ORD_DOMAIN"; }
orderer_ca() { echo "$ORGS_DIR/ordererOrganizations/$ORD_DOMAIN/tlsca/tlsca-cert.pem"; }

need() {
  for b in "$@"; do command -v "$b" >/dev/null 2>&1 || die "$b not found: set FABRIC_BIN to the folder holding Fabric 2.5 binaries, or put them on PATH"; done
}

templates() {
  local t="${FABRIC_CFG_TEMPLATES:-}"
  if [ -z "$t" ]; then t="$(dirname "$(dirname "$(command -v peer)")")/config"; fi
  [ -f "$t/core.yaml" ] && [ -f "$t/orderer.yaml" ] || die "no core.yaml/orderer.yaml in $t: set FABRIC_CFG_TEMPLATES (Fabric release: config/, source: sampleconfig/)"
  echo "$t"
}

# --- processes ---------------------------------------------------------------------------------
start_proc() { # name logfile cmd...
  local name="$1" logf="$2"; shift 2
  local pidf="$NETWORK_HOME/pids/$name.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then log "$name already running (pid $(cat "$pidf"))"; return; fi
  mkdir -p "$NETWORK_HOME/pids" "$NETWORK_HOME/logs"
  # its own process group, so that stop reaches the children too (npm runs the chaincode server as a child)
  setsid nohup "$@" >>"$logf" 2>&1 </dev/null &
  echo $! >"$pidf"
  log "started $name (pid $!), log $logf"
}

stop_proc() {
  local pidf="$1" name pid
  name="$(basename "$pidf" .pid)"
  pid="$(cat "$pidf" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$pid" 2>/dev/null || true
    log "stopped $name (pid $pid and its children)"
  fi
  rm -f "$pidf"
}

wait_port() { # port what
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  die "$2 did not open 127.0.0.1:$1 (see $NETWORK_HOME/logs)"
}

# --- configuration -----------------------------------------------------------------------------
gen_crypto() {
  [ -f "$ORGS_DIR/ca-bundle.pem" ] || log "issuing crypto material (development CA, NodeOUs, shulian.role attributes)"
  (cd "$REPO" && npx --no-install tsx "$HERE/crypto.ts" "$NETWORK_HOME" "$ORDERERS")
}

gen_configtx() {
  local endpoints="" consenters="" i
  for i in $(seq 0 $((ORDERERS - 1))); do
    endpoints+="      - 127.0.0.1:$(orderer_port "$i")"$'\n'
    local d; d="organizations/ordererOrganizations/$ORD_DOMAIN/orderers/orderer$i.$ORD_DOMAIN/tls"
    consenters+="      - { Host: 127.0.0.1, Port: $(orderer_port "$i"), ClientTLSCert: $d/server.crt, ServerTLSCert: $d/server.crt }"$'\n'
  done
  local out="$NETWORK_HOME/configtx.yaml"
  ENDPOINTS="$endpoints" CONSENTERS="$consenters" \
    PNLC="$(peer_port nlc)" PJILIN="$(peer_port jilin)" PHEBEI="$(peer_port hebei)" \
    awk '{
      if ($0 ~ /\{\{ORDERER_ENDPOINTS\}\}/) { printf "%s", ENVIRON["ENDPOINTS"]; next }
      if ($0 ~ /\{\{CONSENTERS\}\}/) { printf "%s", ENVIRON["CONSENTERS"]; next }
      gsub(/\{\{PEER_NLC_PORT\}\}/, ENVIRON["PNLC"]); gsub(/\{\{PEER_JILIN_PORT\}\}/, ENVIRON["PJILIN"]); gsub(/\{\{PEER_HEBEI_PORT\}\}/, ENVIRON["PHEBEI"])
      print
    }' "$NETDIR/config/configtx.yaml" >"$out"
}

gen_genesis() {
  local block="$NETWORK_HOME/channel-artifacts/$CHANNEL.block"
  [ -f "$block" ] && return
  mkdir -p "$(dirname "$block")"
  log "channel genesis block"
  FABRIC_CFG_PATH="$NETWORK_HOME" configtxgen -profile SmartLibraryChannel -outputBlock "$block" -channelID "$CHANNEL" >>"$NETWORK_HOME/logs/configtxgen.log" 2>&1 ||
    die "configtxgen failed: $NETWORK_HOME/logs/configtxgen.log"
}

gen_node_config() {
  local t; t="$(templates)"
  mkdir -p "$NETWORK_HOME/config"
  # our external builder; no Docker endpoint (chaincode runs as a service)
  sed -e "s#name: ccaas_builder#name: shulian-ccaas#" \
      -e "s#path: /opt/hyperledger/ccaas_builder#path: $NETDIR/builders/ccaas#" \
      -e "s#endpoint: unix:///var/run/docker.sock#endpoint:#" \
      "$t/core.yaml" >"$NETWORK_HOME/config/core.yaml"
  grep -q "path: $NETDIR/builders/ccaas" "$NETWORK_HOME/config/core.yaml" || die "could not set the external builder in core.yaml"
  cp "$t/orderer.yaml" "$NETWORK_HOME/config/orderer.yaml"
}

# --- nodes -------------------------------------------------------------------------------------
start_orderer() {
  local i="$1" d; d="$(orderer_dir "$i")"
  mkdir -p "$NETWORK_HOME/data/orderer$i"
  start_proc "orderer$i" "$NETWORK_HOME/logs/orderer$i.log" env \
    FABRIC_CFG_PATH="$NETWORK_HOME/config" \
    FABRIC_LOGGING_SPEC=INFO \
    ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 \
    ORDERER_GENERAL_LISTENPORT="$(orderer_port "$i")" \
    ORDERER_GENERAL_LOCALMSPID=NLCOrdererMSP \
    ORDERER_GENERAL_LOCALMSPDIR="$d/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$d/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$d/tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$d/tls/ca.crt]" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$d/tls/server.crt" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$d/tls/server.key" \
    ORDERER_GENERAL_CLUSTER_ROOTCAS="[$d/tls/ca.crt]" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:$(orderer_admin_port "$i")" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$d/tls/server.key" \
    ORDERER_ADMIN_TLS_CERTIFICATE="$d/tls/server.crt" \
    ORDERER_ADMIN_TLS_ROOTCAS="[$d/tls/ca.crt]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$d/tls/ca.crt]" \
    ORDERER_FILELEDGER_LOCATION="$NETWORK_HOME/data/orderer$i/ledger" \
    ORDERER_CONSENSUS_WALDIR="$NETWORK_HOME/data/orderer$i/etcdraft/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$NETWORK_HOME/data/orderer$i/etcdraft/snapshot" \
    ORDERER_OPERATIONS_LISTENADDRESS="127.0.0.1:$(orderer_ops_port "$i")" \
    ORDERER_METRICS_PROVIDER=disabled \
    orderer
}

start_peer() {
  local org="$1" d msp; d="$(peer_dir "$org")"; msp="$(msp_of "$org")"
  mkdir -p "$NETWORK_HOME/data/peer0.$org"
  start_proc "peer0.$org" "$NETWORK_HOME/logs/peer0.$org.log" env \
    FABRIC_CFG_PATH="$NETWORK_HOME/config" \
    FABRIC_LOGGING_SPEC="INFO:gossip=WARNING" \
    CORE_PEER_ID="peer0.$org.library.cn" \
    CORE_PEER_ADDRESS="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$(peer_cc_port "$org")" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$(peer_cc_port "$org")" \
    CORE_PEER_GOSSIP_BOOTSTRAP="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="127.0.0.1:$(peer_port "$org")" \
    CORE_PEER_LOCALMSPID="$msp" \
    CORE_PEER_MSPCONFIGPATH="$d/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$d/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$d/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$d/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$NETWORK_HOME/data/peer0.$org" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$NETWORK_HOME/data/peer0.$org/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$(peer_ops_port "$org")" \
    CORE_METRICS_PROVIDER=disabled \
    CORE_PEER_GATEWAY_ENABLED=true \
    peer node start
}

# Environment for the peer CLI acting as an org's admin against its own peer.
as_admin() { # org
  local org="$1" d="$ORGS_DIR/peerOrganizations/$1.library.cn"
  export FABRIC_CFG_PATH="$NETWORK_HOME/config"
  export CORE_PEER_LOCALMSPID; CORE_PEER_LOCALMSPID="$(msp_of "$org")"
  export CORE_PEER_MSPCONFIGPATH="$d/users/Admin@$org.library.cn/msp"
  export CORE_PEER_ADDRESS; CORE_PEER_ADDRESS="127.0.0.1:$(peer_port "$org")"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_TLS_ROOTCERT_FILE="$d/peers/peer0.$org.library.cn/tls/ca.crt"
  export CORE_PEER_TLS_SERVERHOSTOVERRIDE="peer0.$org.library.cn"
}

join_channel() {
  local block="$NETWORK_HOME/channel-artifacts/$CHANNEL.block" i admin="$ORGS_DIR/ordererOrganizations/$ORD_DOMAIN/users/Admin@$ORD_DOMAIN/tls"
  for i in $(seq 0 $((ORDERERS - 1))); do
    if osnadmin channel list -o "127.0.0.1:$(orderer_admin_port "$i")" --ca-file "$(orderer_ca)" --client-cert "$admin/client.crt" --client-key "$admin/client.key" 2>/dev/null | grep -q "\"$CHANNEL\""; then
      continue
    fi
    log "orderer$i joins $CHANNEL"
    osnadmin channel join --channelID "$CHANNEL" --config-block "$block" -o "127.0.0.1:$(orderer_admin_port "$i")" \
      --ca-file "$(orderer_ca)" --client-cert "$admin/client.crt" --client-key "$admin/client.key" >>"$NETWORK_HOME/logs/osnadmin.log" 2>&1 ||
      die "osnadmin channel join failed: $NETWORK_HOME/logs/osnadmin.log"
  done
  for org in "${PEER_ORGS[@]}"; do
    (
      as_admin "$org"
      if peer channel list 2>/dev/null | grep -qx "$CHANNEL"; then exit 0; fi
      log "peer0.$org joins $CHANNEL"
      for _ in $(seq 1 30); do
        if peer channel join -b "$block" >>"$NETWORK_HOME/logs/peer-cli.log" 2>&1; then exit 0; fi
        sleep 1
      done
      die "peer0.$org could not join $CHANNEL: $NETWORK_HOME/logs/peer-cli.log"
    )
  done
}

write_connections() {
  for org in "${PEER_ORGS[@]}"; do
    local d="$ORGS_DIR/peerOrganizations/$org.library.cn" msp; msp="$(msp_of "$org")"
    local f="$NETWORK_HOME/connection-$org.env"
    cat >"$f" <<EOF
# Written by network/scripts/network.sh: how $msp's node reaches the channel (fabric-samples names).
# Use: set -a; . $f; set +a
SHULIAN_LEDGER=fabric
SHULIAN_ORG_MSP=$msp
SHULIAN_NATIONAL_MSP=$([ "$org" = nlc ] && echo JilinLibraryMSP || echo NLCMSP)
SHULIAN_HOME=$ORGS_DIR/homes/$msp
CHANNEL_NAME=$CHANNEL
CHAINCODE_NAME=$CC_NAME
MSP_ID=$msp
PEER_ENDPOINT=127.0.0.1:$(peer_port "$org")
PEER_HOST_ALIAS=peer0.$org.library.cn
TLS_CERT_PATH=$d/peers/peer0.$org.library.cn/tls/ca.crt
CERT_PATH=$d/users/operator@$org.library.cn/msp/signcerts/cert.pem
KEY_DIRECTORY_PATH=$d/users/operator@$org.library.cn/msp/keystore
# every org's signing CA, the orderer org's included: what offline proof verification pins
SHULIAN_FABRIC_CA_BUNDLE=$ORGS_DIR/ca-bundle.pem
EOF
  done
  log "connection files: $NETWORK_HOME/connection-{nlc,jilin,hebei}.env"
}

cmd_config() {
  need configtxgen
  [ "$ORDERERS" = 1 ] || [ "$ORDERERS" = 3 ] || die "ORDERERS must be 1 or 3"
  mkdir -p "$NETWORK_HOME/logs"
  gen_crypto
  gen_configtx
  gen_genesis
  gen_node_config
}

cmd_join() {
  need peer osnadmin
  join_channel
  write_connections
}

cmd_up() {
  need peer orderer configtxgen osnadmin
  cmd_config
  cmd_start
  cmd_join
  log "network up: channel $CHANNEL; next: network.sh deploy"
}

cmd_start() {
  need peer orderer
  for i in $(seq 0 $((ORDERERS - 1))); do start_orderer "$i"; done
  for i in $(seq 0 $((ORDERERS - 1))); do wait_port "$(orderer_admin_port "$i")" "orderer$i"; done
  for org in "${PEER_ORGS[@]}"; do start_peer "$org"; done
  for org in "${PEER_ORGS[@]}"; do wait_port "$(peer_port "$org")" "peer0.$org"; done
  # chaincode servers deployed earlier come back with the network
  for org in "${PEER_ORGS[@]}"; do
    if [ -f "$NETWORK_HOME/chaincode/$org.id" ]; then start_ccaas "$org" "$(cat "$NETWORK_HOME/chaincode/$org.id")"; fi
  done
}

cmd_stop() {
  [ -d "$NETWORK_HOME/pids" ] || return 0
  for f in "$NETWORK_HOME"/pids/ccaas.*.pid "$NETWORK_HOME"/pids/peer0.*.pid "$NETWORK_HOME"/pids/orderer*.pid; do
    [ -f "$f" ] && stop_proc "$f"
  done
  return 0
}

cmd_down() {
  cmd_stop
  case "$NETWORK_HOME" in
    "" | / | "$HOME" | "$REPO") die "refusing to delete NETWORK_HOME=$NETWORK_HOME" ;;
  esac
  rm -rf "$NETWORK_HOME"
  log "network down, $NETWORK_HOME removed"
}

# --- chaincode ---------------------------------------------------------------------------------
start_ccaas() { # org package-id
  local org="$1" id="$2"
  if [ "$CCAAS" = external ]; then log "chaincode server of $org: run externally with CHAINCODE_ID=$id on 127.0.0.1:$(ccaas_port "$org")"; return; fi
  [ -f "$REPO/chaincode/dist/index.js" ] || die "chaincode/dist is missing: npm run --prefix chaincode build"
  local pidf="$NETWORK_HOME/pids/ccaas.$org.pid"
  if ! { [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; } && (exec 3<>"/dev/tcp/127.0.0.1/$(ccaas_port "$org")") 2>/dev/null; then
    die "127.0.0.1:$(ccaas_port "$org") is taken by a process network.sh did not start (an old chaincode server?): stop it or set PORT_BASE"
  fi
  start_proc "ccaas.$org" "$NETWORK_HOME/logs/ccaas.$org.log" env \
    CHAINCODE_SERVER_ADDRESS="127.0.0.1:$(ccaas_port "$org")" CHAINCODE_ID="$id" \
    npm run --silent --prefix "$REPO/chaincode" start:ccaas
  wait_port "$(ccaas_port "$org")" "chaincode server of $org"
}

package_for() { # org -> path of the package
  local org="$1" dir="$NETWORK_HOME/chaincode/$1"
  rm -rf "$dir" && mkdir -p "$dir/src"
  printf '{"address":"127.0.0.1:%s","dial_timeout":"10s","tls_required":false}\n' "$(ccaas_port "$org")" >"$dir/src/connection.json"
  printf '{"type":"ccaas","label":"%s_%s"}\n' "$CC_NAME" "$CC_VERSION" >"$dir/metadata.json"
  tar -C "$dir/src" -czf "$dir/code.tar.gz" connection.json
  tar -C "$dir" -czf "$NETWORK_HOME/chaincode/$CC_NAME-$org.tar.gz" metadata.json code.tar.gz
  echo "$NETWORK_HOME/chaincode/$CC_NAME-$org.tar.gz"
}

cmd_deploy() {
  need peer
  [ -f "$NETWORK_HOME/connection-jilin.env" ] || die "the network is not up: network.sh up"
  if [ ! -f "$REPO/chaincode/dist/index.js" ] || [ -n "$(find "$REPO/chaincode/src" -newer "$REPO/chaincode/dist/index.js" -name '*.ts' | head -1)" ]; then
    log "building the chaincode"
    npm run --silent --prefix "$REPO/chaincode" build
  fi
  local orderer="127.0.0.1:$(orderer_port 0)" collections="$NETDIR/config/collections_config.json"
  local seq
  seq="$(as_admin jilin && peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC_NAME" 2>/dev/null | sed -n 's/.*Sequence: \([0-9]*\).*/\1/p' || true)"
  seq=$(( ${seq:-0} + 1 ))
  log "deploying $CC_NAME $CC_VERSION as sequence $seq"
  for org in "${PEER_ORGS[@]}"; do
    local pkg id
    pkg="$(package_for "$org")"
    id="$(as_admin "$org" && peer lifecycle chaincode calculatepackageid "$pkg")"
    if ! (as_admin "$org" && peer lifecycle chaincode queryinstalled 2>/dev/null | grep -q "$id"); then
      (as_admin "$org" && peer lifecycle chaincode install "$pkg" >>"$NETWORK_HOME/logs/peer-cli.log" 2>&1) || die "install on peer0.$org failed: $NETWORK_HOME/logs/peer-cli.log"
    fi
    # a running server for an older package is replaced
    if [ -f "$NETWORK_HOME/chaincode/$org.id" ] && [ "$(cat "$NETWORK_HOME/chaincode/$org.id")" != "$id" ]; then stop_proc "$NETWORK_HOME/pids/ccaas.$org.pid"; fi
    echo "$id" >"$NETWORK_HOME/chaincode/$org.id"
    start_ccaas "$org" "$id"
    (as_admin "$org" && peer lifecycle chaincode approveformyorg -o "$orderer" --ordererTLSHostnameOverride "orderer0.$ORD_DOMAIN" --tls --cafile "$(orderer_ca)" \
      -C "$CHANNEL" -n "$CC_NAME" -v "$CC_VERSION" --package-id "$id" --sequence "$seq" \
      --signature-policy "$CC_POLICY" --collections-config "$collections" >>"$NETWORK_HOME/logs/peer-cli.log" 2>&1) ||
      die "approve by $(msp_of "$org") failed: $NETWORK_HOME/logs/peer-cli.log"
    log "$(msp_of "$org") approved (package $id)"
  done
  local peers=()
  for org in "${PEER_ORGS[@]}"; do
    peers+=(--peerAddresses "127.0.0.1:$(peer_port "$org")" --tlsRootCertFiles "$(peer_dir "$org")/tls/ca.crt")
  done
  (as_admin jilin && unset CORE_PEER_TLS_SERVERHOSTOVERRIDE && peer lifecycle chaincode commit -o "$orderer" --ordererTLSHostnameOverride "orderer0.$ORD_DOMAIN" --tls --cafile "$(orderer_ca)" \
    -C "$CHANNEL" -n "$CC_NAME" -v "$CC_VERSION" --sequence "$seq" --signature-policy "$CC_POLICY" --collections-config "$collections" \
    "${peers[@]}" >>"$NETWORK_HOME/logs/peer-cli.log" 2>&1) || die "commit failed: $NETWORK_HOME/logs/peer-cli.log"
  for _ in $(seq 1 50); do
    if (as_admin jilin && peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC_NAME" 2>/dev/null | grep -q "Sequence: $seq"); then
      log "$CC_NAME committed on $CHANNEL (sequence $seq, policy $CC_POLICY)"
      return 0
    fi
    sleep 0.2
  done
  die "commit of sequence $seq not visible on peer0.jilin"
}

cmd_status() {
  local i
  for f in "$NETWORK_HOME"/pids/*.pid; do
    [ -f "$f" ] || { echo "no processes"; break; }
    local n; n="$(basename "$f" .pid)"
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "running  $n (pid $(cat "$f"))"; else echo "DEAD     $n (see $NETWORK_HOME/logs/$n.log)"; fi
  done
  for i in $(seq 0 $((ORDERERS - 1))); do echo "orderer$i         127.0.0.1:$(orderer_port "$i") (admin $(orderer_admin_port "$i"))"; done
  for org in "${PEER_ORGS[@]}"; do echo "peer0.$org $(printf '%*s' $((6 - ${#org})) '')127.0.0.1:$(peer_port "$org") (chaincode server $(ccaas_port "$org"))"; done
  if command -v peer >/dev/null && [ -d "$ORGS_DIR" ]; then
    (as_admin jilin && peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed 's/^/channel: /') || true
    (as_admin jilin && peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC_NAME" 2>/dev/null | sed 's/^/chaincode: /') || true
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  deploy) cmd_deploy ;;
  status) cmd_status ;;
  down) cmd_down ;;
  stop) cmd_stop ;;
  start) cmd_start ;;
  config) cmd_config ;;
  join) cmd_join ;;
  *) echo "usage: $(basename "$0") up|deploy|status|down|stop|start|config|join" >&2; exit 2 ;;
esac
