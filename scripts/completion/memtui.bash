# bash completion for memtui (installed as share/bash-completion/completions/memtui).
# Options and commands as `memtui --help` lists them (docs/DESIGN.md section 4).
_memtui()
{
    local cur prev cmd sub i w
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
    local global="--batch --repo --env --memory-file --remote --lock-file --lock-timeout
        --lease-ttl --json --claim-env --offline --theme --no-mouse --help --version"
    local commands="init export merge import sync status diff verify backups restore lease schedule config gc"

    # the value of an option
    case $prev in
        --repo) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --memory-file|--lock-file|--from|--to) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --theme) COMPREPLY=($(compgen -W "default light mono" -- "$cur")); return ;;
        --policy) COMPREPLY=($(compgen -W "preserve fail" -- "$cur")); return ;;
        --kind) COMPREPLY=($(compgen -W "systemd launchd cron" -- "$cur")); return ;;
        --env|--remote|--lock-timeout|--lease-ttl|--entity|--limit|--token|--every|--min-age) return ;;
    esac

    # the command (and lease's subcommand) given so far
    cmd= sub=
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
            --repo|--env|--memory-file|--remote|--lock-file|--lock-timeout|--lease-ttl|--theme|\
            --policy|--from|--to|--entity|--limit|--token|--every|--kind|--min-age) ((i++)) ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd=$w; elif [ "$cmd" = lease ] && [ -z "$sub" ]; then sub=$w; fi ;;
        esac
    done

    local words
    case $cmd in
        "") words="$global"; [[ $cur != -* ]] && words="$commands" ;;
        merge) words="--policy --dry-run --no-push --allow-mass-delete $global" ;;
        export) words="--from $global" ;;
        import) words="--to $global" ;;
        restore) words="--entity $global" ;;
        schedule) words="--print --install --every --kind --force $global" ;;
        gc) words="--dry-run --min-age $global" ;;
        lease)
            case $sub in
                "") words="show break"; [[ $cur == -* ]] && words="$global" ;;
                show) words="--limit $global" ;;
                break) words="--token $global" ;;
                *) words="$global" ;;
            esac ;;
        *) words="$global" ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _memtui memtui
