/**
 * The shell scripts `maos completion <shell>` prints. Each is a thin adapter: it hands the
 * words typed so far to `maos completion --complete -- …`, which knows the commands, their
 * flags, and the orchestration ids and task keys in the database.
 */
export type Shell = "bash" | "zsh" | "fish";
export const shells: readonly Shell[] = ["bash", "zsh", "fish"];

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(exe: string): string {
  return `# maos completion for bash. Load it with:  source <(maos completion bash)
_maos_complete() {
  # Words from the line itself: bash splits '@task' at '@' (COMP_WORDBREAKS), maos wants it whole.
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  local cur="\${words[\${#words[@]}-1]}"
  local word="\${COMP_WORDS[COMP_CWORD]}"
  local prefix="\${cur%"$word"}"
  local IFS=$'\\n'
  local -a found
  found=($(command ${quote(exe)} completion --complete -- "\${words[@]:1}" 2>/dev/null))
  COMPREPLY=()
  local c
  for c in "\${found[@]}"; do COMPREPLY+=("\${c#"$prefix"}"); done
}
complete -o default -F _maos_complete maos
`;
}

function zsh(exe: string): string {
  return `#compdef maos
# maos completion for zsh. Load it with:  source <(maos completion zsh)   (after compinit)
_maos() {
  local -a found
  found=(\${(f)"$(command ${quote(exe)} completion --complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)"})
  if (( \${#found} )); then compadd -Q -- "\${found[@]}"; else _files; fi
}
if (( $+functions[compdef] )); then compdef _maos maos; fi
`;
}

function fish(exe: string): string {
  return `# maos completion for fish. Load it with:  maos completion fish | source
function __maos_complete
    set -l words (commandline -opc)
    set -e words[1]
    command ${quote(exe)} completion --complete -- $words (commandline -ct) 2>/dev/null
end
complete -c maos -f -a '(__maos_complete)'
`;
}

/** The script for a shell; `exe` is how it calls maos back. */
export function completionScript(shell: Shell, exe: string): string {
  return { bash, zsh, fish }[shell](exe);
}
