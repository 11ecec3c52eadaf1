use super::*;

fn spec(data_dir: &str, bind: Option<&str>) -> ServiceSpec {
    ServiceSpec { exe: "/usr/bin/scimdesk".into(), data_dir: data_dir.into(), bind: bind.map(str::to_string) }
}

#[test]
fn unit_runs_serve_on_the_data_folder() {
    let unit = systemd::unit_text(&spec("/home/a/.local/share/scimdesk", None));
    assert!(unit.contains("\nExecStart=/usr/bin/scimdesk --data-dir /home/a/.local/share/scimdesk serve\n"));
    assert!(unit.contains("\nReadWritePaths=/home/a/.local/share/scimdesk\n"));
}

#[test]
fn unit_quotes_spaces_percent_and_dollar_and_reads_them_back() {
    let odd = spec("/home/a/My Data/100% \"x\" $HOME \\ it's", Some("127.0.0.1:8000"));
    let unit = systemd::unit_text(&odd);
    assert!(
        unit.contains(r#"--data-dir "/home/a/My Data/100%% \"x\" $$HOME \\ it's" serve --bind 127.0.0.1:8000"#),
        "{unit}"
    );
    // Paths settings expand specifiers but not variables.
    assert!(unit.contains(r#"ReadWritePaths="/home/a/My Data/100%% \"x\" $HOME \\ it's""#), "{unit}");
    assert_eq!(systemd::parse(&unit), Some(odd));
}

#[test]
fn a_unit_without_exec_start_is_not_ours() {
    assert_eq!(systemd::parse("[Service]\nType=simple\n"), None);
    assert_eq!(systemd::parse("ExecStart=/bin/true \"unclosed\n"), None);
}

#[test]
fn plist_round_trips_a_path_with_markup() {
    let odd = spec("/Users/a/R&D <data>", Some("127.0.0.1:7000"));
    let plist = launchd::plist_text(&odd);
    assert!(plist.contains("<string>/Users/a/R&amp;D &lt;data&gt;</string>"));
    assert_eq!(launchd::parse(&plist), Some(odd));
}

#[test]
fn status_checks_loopback_only() {
    let at = |s: &str| loopback(s.parse().unwrap()).map(|a| a.to_string());
    assert_eq!(at("127.0.0.1:7643").as_deref(), Some("127.0.0.1:7643"));
    assert_eq!(at("0.0.0.0:7643").as_deref(), Some("127.0.0.1:7643"));
    assert_eq!(at("[::]:7643").as_deref(), Some("[::1]:7643"));
    assert_eq!(at("192.168.1.5:7643"), None);
}

#[test]
fn control_characters_cannot_go_into_a_unit() {
    assert!(unit_path(Path::new("/tmp/a\nb")).is_err());
    assert_eq!(unit_path(Path::new("/tmp/a b")).unwrap(), "/tmp/a b");
}
