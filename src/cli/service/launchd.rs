use super::ServiceSpec;

pub const LABEL: &str = "net.scimdesk.serve";

pub fn plist_text(spec: &ServiceSpec) -> String {
    let mut args = vec![spec.exe.as_str()];
    args.extend(spec.args());
    let args: String = args.iter().map(|a| format!("\t\t<string>{}</string>\n", escape(a))).collect();
    let log = escape(&format!("{}/service.log", spec.data_dir));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by `scimdesk service install`; `scimdesk service uninstall` removes it. -->
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{LABEL}</string>
	<key>ProgramArguments</key>
	<array>
{args}	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ThrottleInterval</key>
	<integer>5</integer>
	<key>StandardErrorPath</key>
	<string>{log}</string>
</dict>
</plist>
"#
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

pub fn parse(text: &str) -> Option<ServiceSpec> {
    let array = text.split("<key>ProgramArguments</key>").nth(1)?.split("</array>").next()?;
    let words: Vec<String> = array
        .split("<string>")
        .skip(1)
        .filter_map(|s| s.split("</string>").next())
        .map(|s| s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        .collect();
    ServiceSpec::from_command_line(&words)
}
