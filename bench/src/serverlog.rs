//! What the server under test logged: counted by message rather than echoed, so that a warning
//! repeated 100,000 times under load shows up as one line with its count.

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

/// Distinct messages kept; the rest are only counted.
const MAX_DISTINCT: usize = 20;

#[derive(Default, Debug, Clone)]
pub struct LogSummary {
    pub lines: u64,
    /// (message without timestamp or colours, times seen), in order of first appearance.
    pub messages: Vec<(String, u64)>,
}

/// Read `stream` to its end on a thread, tallying its lines into the returned summary.
pub fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<LogSummary>> {
    let summary = Arc::new(Mutex::new(LogSummary::default()));
    let sink = summary.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let message = without_timestamp(&strip_ansi(&line));
            let mut s = sink.lock().unwrap();
            s.lines += 1;
            if let Some(entry) = s.messages.iter_mut().find(|(m, _)| *m == message) {
                entry.1 += 1;
            } else if s.messages.len() < MAX_DISTINCT {
                s.messages.push((message, 1));
            }
        }
    });
    summary
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequences end with a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// tracing's fmt lines start with an RFC 3339 timestamp; drop it so equal messages compare equal.
fn without_timestamp(line: &str) -> String {
    let trimmed = line.trim();
    match trimmed.split_once(' ') {
        Some((first, rest)) if first.len() >= 20 && first.as_bytes()[4] == b'-' && first.contains('T') => {
            rest.trim().to_string()
        }
        _ => trimmed.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracing_lines_compare_without_colour_or_time() {
        let a = "\u{1b}[2m2026-11-28T23:20:44.761013Z\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m write queue full";
        assert_eq!(without_timestamp(&strip_ansi(a)), "WARN write queue full");
        assert_eq!(without_timestamp("plain words here"), "plain words here");
    }
}
