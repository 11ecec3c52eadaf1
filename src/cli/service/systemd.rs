use super::ServiceSpec;

pub const UNIT_NAME: &str = "scimdesk.service";

/// The unit: `scimdesk serve` on the data folder, restarted on failure, started with the
/// user's session (default.target), confined to what a loopback server needs.
pub fn unit_text(spec: &ServiceSpec) -> String {
    let mut exec = vec![quote(&spec.exe, true)];
    exec.extend(spec.args().into_iter().map(|a| quote(a, true)));
    format!(
        "# Written by `scimdesk service install`; `scimdesk service uninstall` removes it.
[Unit]
Description=ScimDesk SCIM server

[Service]
Type=exec
ExecStart={exec}
# Entra retries a failed call and quarantines a job whose calls keep failing: come back quickly.
Restart=on-failure
RestartSec=5
# A loopback server that writes only its data folder. The keychain (Secret Service on the
# session bus) is not needed: `serve` checks tokens against the hashes in the database.
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths={data_dir}
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
LockPersonality=yes
RestrictRealtime=yes
SystemCallArchitectures=native
# Neither mimalloc nor SQLite needs memory that is both writable and executable.
MemoryDenyWriteExecute=yes
UMask=0077

[Install]
WantedBy=default.target
",
        exec = exec.join(" "),
        data_dir = quote(&spec.data_dir, false),
    )
}

/// One word of a setting: double-quoted with C-style escapes when it is not plain, `%`
/// doubled (specifiers) and, in a command line (`exec`), `$` doubled (variables).
fn quote(word: &str, exec: bool) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:+@,=".contains(c));
    if plain {
        return word.to_string();
    }
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' if exec => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What an `ExecStart=` of ours runs; None when the unit has none.
pub fn parse(text: &str) -> Option<ServiceSpec> {
    let line = text.lines().find_map(|l| l.trim().strip_prefix("ExecStart="))?;
    ServiceSpec::from_command_line(&split(line)?)
}

/// Split a command line into words, undoing [`quote`]; None when a quote is not closed.
fn split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { return Some(words) };
        let mut word = String::new();
        let quoted = first == '"' || first == '\'';
        if quoted {
            chars.next();
        }
        loop {
            match chars.next() {
                None if quoted => return None,
                None => break,
                Some(c) if quoted && c == first => break,
                Some(c) if !quoted && c.is_whitespace() => break,
                Some('\\') => word.push(chars.next()?),
                Some(c @ ('%' | '$')) if chars.peek() == Some(&c) => {
                    chars.next();
                    word.push(c);
                }
                Some(c) => word.push(c),
            }
        }
        words.push(word);
    }
}
