# Sourced by the packaging scripts: as_root runs a command as root, directly when this is
# root, through sudo otherwise (a CI runner); it fails when neither can.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        return 1
    fi
}
