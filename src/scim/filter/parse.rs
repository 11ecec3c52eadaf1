//! Tokenizer and recursive-descent parser for filters and PATCH paths.
//!
//! Precedence is `not` > `and` > `or`, both binary operators associating to the left. `and`/`or`
//! chains are parsed with loops, so only parentheses, brackets and `not` nest the recursion, and
//! [`MAX_FILTER_DEPTH`] bounds those.

use serde_json::Value;

use super::super::error::ScimError;
use super::super::schema::MISTYPED_ENTERPRISE_USER_SCHEMA;
use super::super::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use super::{AttrPath, CompareOp, Filter, PatchPath, MAX_FILTER_DEPTH, MAX_FILTER_LEN};

pub(super) fn filter(input: &str) -> Result<Filter, ScimError> {
    let mut p = Parser::new(input, Flavor::Filter)?;
    let f = p.or_expr()?;
    p.expect_end()?;
    Ok(f)
}

pub(super) fn patch_path(input: &str) -> Result<PatchPath, ScimError> {
    let mut p = Parser::new(input, Flavor::Path)?;
    let (word, at) = match p.next() {
        Some(Token { tok: Tok::Word(w), start, .. }) => (w, start),
        other => return Err(p.unexpected(other.as_ref(), "an attribute name")),
    };
    let attr = p.attr_path(&word, at)?;
    let mut path = PatchPath { attr, filter: None, sub: None };
    if let Some((filter, sub)) = p.value_filter(&path.attr)? {
        path.filter = Some(filter);
        if let Some((sub, _)) = sub {
            path.sub = Some(sub);
            // In a path the sub-attribute ends it; `emails[...].value eq "x"` is filter syntax.
            if let Some(t) = p.peek() {
                return Err(p.unexpected(Some(t), "the end of the path after the sub-attribute"));
            }
        }
    }
    p.expect_end()?;
    Ok(path)
}

/// Which grammar is being read: it picks the error type and the wording.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Filter,
    Path,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Attribute paths, operator keywords and unquoted literals, told apart by the parser.
    Word(String),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn describe(t: &Token) -> String {
    match &t.tok {
        Tok::Word(w) => format!("\"{w}\""),
        Tok::Str(s) => format!("the string {}", Value::String(s.clone())),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::LBracket => "\"[\"".into(),
        Tok::RBracket => "\"]\"".into(),
    }
}

/// A parsed `[filter]` and the `.sub` glued after it, with the sub-attribute's byte offset.
type ValueFilter = (Filter, Option<(String, usize)>);

struct Parser<'a> {
    input: &'a str,
    flavor: Flavor,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    in_brackets: bool,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, flavor: Flavor) -> Result<Self, ScimError> {
        let mut p = Parser { input, flavor, toks: Vec::new(), pos: 0, depth: 0, in_brackets: false };
        if input.len() > MAX_FILTER_LEN {
            return Err(p.fail(format!(
                "The {} is {} bytes long; the limit is {MAX_FILTER_LEN}.",
                p.noun(),
                input.len()
            )));
        }
        if input.trim().is_empty() {
            return Err(p.fail(format!("The {} is empty.", p.noun())));
        }
        p.toks = p.tokenize()?;
        Ok(p)
    }

    fn noun(&self) -> &'static str {
        match self.flavor {
            Flavor::Filter => "filter",
            Flavor::Path => "path",
        }
    }

    fn fail(&self, detail: String) -> ScimError {
        match self.flavor {
            Flavor::Filter => ScimError::invalid_filter(detail),
            Flavor::Path => ScimError::invalid_path(detail),
        }
    }

    /// Positions are 0-based character offsets into the input, as a person counts in an editor.
    fn position(&self, byte: usize) -> String {
        if byte >= self.input.len() {
            format!("at the end of the {}", self.noun())
        } else {
            format!("at position {}", self.input[..byte].chars().count())
        }
    }

    /// The input quoted for an error detail, when short enough to help rather than flood.
    fn quoted(&self) -> String {
        if self.input.len() <= 200 {
            format!(" {:?}", self.input)
        } else {
            String::new()
        }
    }

    fn error(&self, at: usize, what: &str) -> ScimError {
        self.fail(format!("Invalid {}{}: expected {what} {}.", self.noun(), self.quoted(), self.position(at)))
    }

    fn unexpected(&self, found: Option<&Token>, expected: &str) -> ScimError {
        match found {
            None => self.error(self.input.len(), expected),
            Some(t) => self.fail(format!(
                "Invalid {}{}: expected {expected} {}, found {}.",
                self.noun(),
                self.quoted(),
                self.position(t.start),
                describe(t)
            )),
        }
    }

    fn tokenize(&self) -> Result<Vec<Token>, ScimError> {
        let bytes = self.input.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            let punct = match bytes[i] {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    i += 1;
                    continue;
                }
                b'(' => Some(Tok::LParen),
                b')' => Some(Tok::RParen),
                b'[' => Some(Tok::LBracket),
                b']' => Some(Tok::RBracket),
                _ => None,
            };
            if let Some(tok) = punct {
                i += 1;
                toks.push(Token { tok, start, end: i });
                continue;
            }
            if bytes[i] == b'"' {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    return Err(self.error(start, "a closing '\"' for the string that starts here"));
                }
                i += 1;
                // JSON string rules, escapes included, are exactly what the grammar asks for.
                let s: String = serde_json::from_str(&self.input[start..i]).map_err(|e| {
                    self.fail(format!(
                        "Invalid {}{}: the string {} is not a valid JSON string ({e}).",
                        self.noun(),
                        self.quoted(),
                        self.position(start)
                    ))
                })?;
                toks.push(Token { tok: Tok::Str(s), start, end: i });
                continue;
            }
            // Bytes of multi-byte UTF-8 characters are never ASCII, so this never splits one.
            while i < bytes.len() && !b" \t\r\n()[]\"".contains(&bytes[i]) {
                i += 1;
            }
            toks.push(Token { tok: Tok::Word(self.input[start..i].to_string()), start, end: i });
        }
        Ok(toks)
    }

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect_end(&self) -> Result<(), ScimError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => {
                let expected = match self.flavor {
                    Flavor::Filter => "\"and\", \"or\" or the end of the filter",
                    Flavor::Path => "the end of the path",
                };
                Err(self.unexpected(Some(t), expected))
            }
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(self.fail(format!(
                "Invalid {}: parentheses, brackets and \"not\" nest more than {MAX_FILTER_DEPTH} levels deep {}.",
                self.noun(),
                self.position(at)
            )));
        }
        Ok(())
    }

    fn close(&mut self, closing: Tok, opened_at: usize) -> Result<(), ScimError> {
        let what = if closing == Tok::RParen { "\")\" (to close the \"(\"" } else { "\"]\" (to close the \"[\"" };
        match self.next() {
            Some(t) if t.tok == closing => {
                self.depth -= 1;
                Ok(())
            }
            other => {
                let expected = format!("{what} {})", self.position(opened_at));
                Err(self.unexpected(other.as_ref(), &expected))
            }
        }
    }

    fn or_expr(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and_expr()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ScimError> {
        let Some(t) = self.next() else {
            return Err(self.unexpected(None, "an attribute name, \"(\" or \"not\""));
        };
        match t.tok {
            Tok::LParen => {
                self.enter(t.start)?;
                let f = self.or_expr()?;
                self.close(Tok::RParen, t.start)?;
                Ok(f)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("not") => {
                let open = match self.next() {
                    Some(o) if o.tok == Tok::LParen => o,
                    other => return Err(self.unexpected(other.as_ref(), "\"(\" after \"not\" (write not (filter))")),
                };
                self.enter(open.start)?;
                let f = self.or_expr()?;
                self.close(Tok::RParen, open.start)?;
                Ok(Filter::Not(Box::new(f)))
            }
            Tok::Word(w) => self.attr_expr(&w, t.start, t.end),
            _ => Err(self.unexpected(Some(&t), "an attribute name, \"(\" or \"not\"")),
        }
    }

    /// `attrPath pr`, `attrPath op value`, `attrPath[filter]`, and Entra's
    /// `attrPath[filter].sub op value`, which means `attrPath[filter and sub op value]`.
    fn attr_expr(&mut self, word: &str, at: usize, end: usize) -> Result<Filter, ScimError> {
        let path = self.attr_path(word, at)?;
        if let Some((inner, sub)) = self.value_filter(&path)? {
            let Some((sub, sub_at)) = sub else {
                return Ok(Filter::ValuePath { path, filter: Box::new(inner) });
            };
            let shown = format!("{word}[{inner}].{sub}");
            let sub_end = sub_at + sub.len() + 1;
            let sub_path = AttrPath { uri: None, name: sub, sub: None };
            let cmp = self.comparison(sub_path, &shown, sub_end)?;
            let both = Filter::And(Box::new(inner), Box::new(cmp));
            return Ok(Filter::ValuePath { path, filter: Box::new(both) });
        }
        self.comparison(path, word, end)
    }

    fn comparison(&mut self, path: AttrPath, shown: &str, after: usize) -> Result<Filter, ScimError> {
        let expected = format!("an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after \"{shown}\"");
        let op_tok = match self.next() {
            Some(t @ Token { tok: Tok::Word(_), .. }) => t,
            None => return Err(self.error(after, &expected)),
            other => return Err(self.unexpected(other.as_ref(), &expected)),
        };
        let Tok::Word(op_word) = &op_tok.tok else { unreachable!("matched a word above") };
        if op_word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(op_word) else {
            return Err(self.unexpected(Some(&op_tok), &expected));
        };
        let expected =
            format!("a value (a \"quoted string\", a number, true, false or null) after \"{shown} {}\"", op.as_str());
        let value = match self.next() {
            Some(Token { tok: Tok::Str(s), .. }) => Value::String(s),
            Some(t @ Token { tok: Tok::Word(_), .. }) => {
                let Tok::Word(w) = &t.tok else { unreachable!("matched a word above") };
                literal(w).ok_or_else(|| self.unexpected(Some(&t), &expected))?
            }
            None => return Err(self.error(op_tok.end, &expected)),
            other => return Err(self.unexpected(other.as_ref(), &expected)),
        };
        Ok(Filter::Compare { path, op, value })
    }

    /// After an attribute path: `[filter]` and an optional `.sub` glued to the `]`.
    fn value_filter(&mut self, path: &AttrPath) -> Result<Option<ValueFilter>, ScimError> {
        let open = match self.peek() {
            Some(t) if t.tok == Tok::LBracket => t.clone(),
            _ => return Ok(None),
        };
        if self.in_brackets {
            return Err(self.error(open.start, "a comparison: value filters cannot be nested inside \"[ ]\""));
        }
        if let Some(sub) = &path.sub {
            let detail = format!(
                "\"[\" to follow an attribute, not the sub-attribute \"{sub}\" (write {}[...].{sub})",
                path.name
            );
            return Err(self.error(open.start, &detail));
        }
        self.pos += 1;
        self.enter(open.start)?;
        self.in_brackets = true;
        let inner = self.or_expr()?;
        self.in_brackets = false;
        let close_end = self.peek().map(|t| t.end);
        self.close(Tok::RBracket, open.start)?;
        let sub = match self.peek() {
            Some(Token { tok: Tok::Word(w), start, .. }) if w.starts_with('.') && Some(*start) == close_end => {
                let (w, start) = (w.clone(), *start);
                self.pos += 1;
                let name = &w[1..];
                check_name(name).map_err(|what| self.error(start + 1, &what))?;
                Some((name.to_string(), start))
            }
            _ => None,
        };
        Ok(Some((inner, sub)))
    }

    fn attr_path(&self, word: &str, at: usize) -> Result<AttrPath, ScimError> {
        split_attr_path(word).map_err(|(offset, what)| self.error(at + offset, &what))
    }
}

fn literal(word: &str) -> Option<Value> {
    match word.to_ascii_lowercase().as_str() {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "null" => return Some(Value::Null),
        _ => {}
    }
    if !word.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return None;
    }
    let number = serde_json::from_str::<Value>(word).ok().filter(Value::is_number)?;
    if number.is_f64() {
        // serde_json's default float reader may miss the last bit; the standard library's rounds
        // correctly, so printed filters read back to the same number.
        return word.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number);
    }
    Some(number)
}

/// `[uri:]name[.sub]`. Core schema URNs are dropped (the resource's own schema is implied), the
/// enterprise URN is kept in canonical spelling (Entra's mistyped one included), and for other
/// URNs everything up to the last `:` is the URI. A path that is exactly an extension URN names
/// the extension's object itself (`uri: None`, `name`: the URN), as PATCH values use it.
/// Errors carry the byte offset of the problem within `word`.
fn split_attr_path(word: &str) -> Result<AttrPath, (usize, String)> {
    let known = [
        (ENTERPRISE_USER_SCHEMA, Some(ENTERPRISE_USER_SCHEMA)),
        (MISTYPED_ENTERPRISE_USER_SCHEMA, Some(ENTERPRISE_USER_SCHEMA)),
        (USER_SCHEMA, None),
        (GROUP_SCHEMA, None),
    ];
    let mut uri = None;
    let mut rest = word;
    let mut offset = 0;
    if word.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        let found = known.iter().find_map(|(urn, canonical)| {
            if word.eq_ignore_ascii_case(urn) {
                return Some((canonical.map(str::to_string), None));
            }
            let prefix = word.get(..urn.len())?;
            (prefix.eq_ignore_ascii_case(urn) && word.as_bytes().get(urn.len()) == Some(&b':'))
                .then(|| (canonical.map(str::to_string), Some(urn.len() + 1)))
        });
        match found {
            Some((Some(ext), None)) => return Ok(AttrPath { uri: None, name: ext, sub: None }),
            Some((None, None)) => return Err((0, "an attribute name after the schema URN".into())),
            Some((canonical, Some(cut))) => (uri, rest, offset) = (canonical, &word[cut..], cut),
            None => match word.rfind(':') {
                Some(cut) if cut > 4 => {
                    (uri, rest, offset) = (Some(word[..cut].to_string()), &word[cut + 1..], cut + 1)
                }
                _ => return Err((0, "an attribute name after the schema URN".into())),
            },
        }
    }
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    check_name(name).map_err(|what| (offset, what))?;
    if let Some(sub) = sub {
        check_name(sub).map_err(|what| (offset + name.len() + 1, what))?;
    }
    Ok(AttrPath { uri, name: name.to_string(), sub: sub.map(str::to_string) })
}

/// RFC 7643 `ATTRNAME = ALPHA *(nameChar)`; a leading `$` is accepted too for `$ref`.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '$');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        Ok(())
    } else if name.is_empty() {
        Err("an attribute name".into())
    } else {
        Err(format!("an attribute name (a letter followed by letters, digits, '_' or '-'), found \"{name}\""))
    }
}
