#!/usr/bin/env bash
# The site's own certificate authority and role certificates for Tapeline's
# mutual TLS (docs/configuration.md, "Certificates and roles").
set -euo pipefail

readonly ROLES="coordinator hv-agent tape-agent operator"
readonly PROG=${0##*/}

usage() {
  cat <<USAGE
Usage:
  $PROG init DIR [--days N] [--force]
  $PROG issue DIR NAME ROLE [--days N] [--san LIST] [--force]
  $PROG renew DIR NAME [ROLE] [--days N] [--san LIST]
  $PROG list DIR
  $PROG --help

Makes and keeps the site CA that every Tapeline process trusts, and issues
each process a certificate that carries its role. A peer whose certificate
does not come from this CA is refused.

  init    Creates DIR (mode 0700) with the CA: ca.key (EC P-256, mode 0600)
          and ca.crt (self-signed, default 3650 days). Copy ca.crt to every
          host; ca.key never leaves DIR.
  issue   Makes DIR/NAME.key (EC P-256, mode 0600) and DIR/NAME.crt, signed
          by the CA (default 825 days), with
            subject           CN=NAME, OU=ROLE
            subjectAltName    DNS:NAME, DNS:localhost, IP:127.0.0.1 (+ --san)
            extendedKeyUsage  serverAuth, clientAuth
          ROLE is one of: $ROLES.
  renew   Re-issues DIR/NAME.crt for the existing DIR/NAME.key, keeping its
          role and subjectAltName unless ROLE or --san are given.
          'renew DIR ca' re-issues the CA certificate for the same ca.key and
          subject (default 3650 days): certificates it issued keep verifying;
          copy the new ca.crt to every host.
  list    Shows each certificate in DIR: name, role, expiry, days left, and
          whether it verifies against DIR/ca.crt. Renew what has under 30.

Options:
  --days N     validity in days
  --san LIST   extra subjectAltNames, e.g. DNS:backup1.example.org,IP:10.0.0.5
  --force      replace an existing key without asking

An existing key is never replaced silently: without --force, $PROG asks on a
terminal and refuses when there is none. Replacing a key invalidates every
certificate issued for it; to extend a certificate, use renew.
USAGE
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

# confirm_overwrite FILE: returns if FILE may be written, else exits.
confirm_overwrite() {
  local file=$1 answer=
  [[ -e $file ]] || return 0
  ((force)) && return 0
  if [[ -t 0 ]]; then
    read -r -p "$PROG: $file exists. Replace this key? Certificates issued for it stop working. [y/N] " answer
    [[ $answer == y || $answer == yes ]] && return 0
  fi
  die "$file exists; refusing to replace a key (pass --force to replace it, or use '$PROG renew' to re-issue its certificate)"
}

check_role() {
  local r
  for r in $ROLES; do [[ $1 == "$r" ]] && return 0; done
  die "unknown role '$1'; expected one of: $ROLES"
}

check_name() {
  [[ $1 =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ && $1 != ca ]] ||
    die "bad name '$1': use a host-like name (letters, digits, '.', '-'), not 'ca'"
}

check_ca() {
  [[ -r $1/ca.key && -r $1/ca.crt ]] ||
    die "$1 holds no CA (ca.key, ca.crt); run '$PROG init $1' first"
}

# A work directory inside DIR, so that results move into place atomically.
make_work() {
  work=$(mktemp -d "$1/.pki.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # A private openssl configuration: the system's must not add extensions.
  cat >"$work/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
}

new_key() {
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$work/new.key" 2>/dev/null) || die "openssl could not make a key"
}

serial() { echo "0x$(openssl rand -hex 16)"; }

# sign DIR NAME ROLE DAYS SANS KEYFILE: writes $work/new.crt.
sign() {
  local dir=$1 name=$2 role=$3 days=$4 sans=$5 key=$6
  cat >"$work/leaf.cnf" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $sans
EXT
  openssl req -new -config "$work/openssl.cnf" -key "$key" \
    -subj "/OU=$role/CN=$name" -out "$work/new.csr" ||
    die "openssl could not make a certificate request for $name"
  openssl x509 -req -in "$work/new.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -set_serial "$(serial)" -days "$days" -sha256 -extfile "$work/leaf.cnf" \
    -out "$work/new.crt" 2>/dev/null ||
    die "openssl could not sign the certificate for $name"
  openssl verify -CAfile "$dir/ca.crt" "$work/new.crt" >/dev/null ||
    die "the new certificate for $name does not verify against $dir/ca.crt"
}

# The current SANs of a certificate, in extension syntax.
sans_of() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
    sed -n '2p' | sed -e 's/^ *//' -e 's/IP Address:/IP:/g' -e 's/, /,/g'
}

role_of() {
  openssl x509 -in "$1" -noout -subject -nameopt RFC2253 |
    sed -n 's/.*OU=\([^,]*\).*/\1/p'
}

cmd_init() {
  (($# == 1)) || die "usage: $PROG init DIR [--days N] [--force]"
  local dir=$1
  if [[ ! -d $dir ]]; then
    mkdir -p "$dir" && chmod 700 "$dir"
  fi
  confirm_overwrite "$dir/ca.key"
  make_work "$dir"
  new_key
  openssl req -new -x509 -config "$work/openssl.cnf" -extensions ca_ext \
    -key "$work/new.key" -subj "/O=Tapeline/CN=Tapeline site CA" \
    -set_serial "$(serial)" -days "${days:-3650}" -sha256 \
    -out "$work/new.crt" || die "openssl could not make the CA certificate"
  chmod 644 "$work/new.crt"
  mv -f "$work/new.key" "$dir/ca.key"
  mv -f "$work/new.crt" "$dir/ca.crt"
  echo "CA created: $dir/ca.crt (key $dir/ca.key, mode 0600)"
}

cmd_issue() {
  (($# == 3)) || die "usage: $PROG issue DIR NAME ROLE [--days N] [--san LIST] [--force]"
  local dir=$1 name=$2 role=$3
  check_ca "$dir"
  check_name "$name"
  check_role "$role"
  confirm_overwrite "$dir/$name.key"
  make_work "$dir"
  new_key
  sign "$dir" "$name" "$role" "${days:-825}" \
    "DNS:$name,DNS:localhost,IP:127.0.0.1${san:+,$san}" "$work/new.key"
  chmod 644 "$work/new.crt"
  mv -f "$work/new.key" "$dir/$name.key"
  mv -f "$work/new.crt" "$dir/$name.crt"
  echo "issued: $dir/$name.crt (role $role; key $dir/$name.key, mode 0600)"
}

# renew_ca DIR: the CA certificate again, same key and subject, so that
# every certificate it signed still chains to it.
renew_ca() {
  local dir=$1
  make_work "$dir"
  openssl req -new -x509 -config "$work/openssl.cnf" -extensions ca_ext \
    -key "$dir/ca.key" -subj "/O=Tapeline/CN=Tapeline site CA" \
    -set_serial "$(serial)" -days "${days:-3650}" -sha256 \
    -out "$work/new.crt" || die "openssl could not re-issue the CA certificate"
  chmod 644 "$work/new.crt"
  mv -f "$work/new.crt" "$dir/ca.crt"
  echo "renewed: $dir/ca.crt (same key; copy it to every host)"
}

cmd_renew() {
  (($# == 2 || $# == 3)) || die "usage: $PROG renew DIR NAME [ROLE] [--days N] [--san LIST]"
  local dir=$1 name=$2 role=${3:-} sans
  check_ca "$dir"
  if [[ $name == ca ]]; then
    (($# == 2)) && [[ -z $san ]] || die "renew DIR ca takes no ROLE or --san"
    renew_ca "$dir"
    return
  fi
  check_name "$name"
  [[ -r $dir/$name.key ]] || die "$dir/$name.key not found; use '$PROG issue' for a new key"
  if [[ -z $role ]]; then
    [[ -r $dir/$name.crt ]] || die "$dir/$name.crt not found; give the ROLE"
    role=$(role_of "$dir/$name.crt")
  fi
  check_role "$role"
  sans="DNS:$name,DNS:localhost,IP:127.0.0.1${san:+,$san}"
  if [[ -z $san && -r $dir/$name.crt ]]; then
    sans=$(sans_of "$dir/$name.crt")
    [[ -n $sans ]] || sans="DNS:$name,DNS:localhost,IP:127.0.0.1"
  fi
  make_work "$dir"
  sign "$dir" "$name" "$role" "${days:-825}" "$sans" "$dir/$name.key"
  chmod 644 "$work/new.crt"
  mv -f "$work/new.crt" "$dir/$name.crt"
  echo "renewed: $dir/$name.crt (role $role, same key)"
}

cmd_list() {
  (($# == 1)) || die "usage: $PROG list DIR"
  local dir=$1 crt name ok role end left
  check_ca "$dir"
  printf '%-24s %-12s %-26s %-9s %s\n' NAME ROLE EXPIRES DAYS_LEFT VERIFIES
  for crt in "$dir"/*.crt; do
    name=${crt##*/}
    name=${name%.crt}
    ok=no
    openssl verify -CAfile "$dir/ca.crt" "$crt" >/dev/null 2>&1 && ok=yes
    role=$(role_of "$crt")
    [[ $name == ca ]] && role=CA
    end=$(openssl x509 -in "$crt" -noout -enddate | cut -d= -f2)
    left=$((($(date -d "$end" +%s) - $(date +%s)) / 86400))
    printf '%-24s %-12s %-26s %-9s %s\n' "$name" "$role" "$end" "$left" "$ok"
  done
}

main() {
  local args=() cmd
  force=0 days= san= work=
  while (($#)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --force) force=1 ;;
      --days)
        (($# >= 2)) && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--days needs a positive number of days"
        days=$2
        shift ;;
      --san)
        (($# >= 2)) && [[ $2 =~ ^((DNS|IP):[A-Za-z0-9.:-]+,?)+$ ]] ||
          die "--san needs a list such as DNS:host.example.org,IP:10.0.0.5"
        san=${2%,}
        shift ;;
      -*) die "unknown option $1 (see $PROG --help)" ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  ((${#args[@]})) || { usage >&2; exit 2; }
  command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
  cmd=${args[0]}
  case $cmd in
    init | issue | renew | list) "cmd_$cmd" "${args[@]:1}" ;;
    *) die "unknown command '$cmd' (see $PROG --help)" ;;
  esac
}

main "$@"
