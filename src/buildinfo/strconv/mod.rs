//! Go's `strconv` quoting, as `runtime/debug` uses it for build settings: `Quote`, `QuoteRune`, `Unquote` and
//! `QuotedPrefix`.
//!
//! Hand-written because no Rust crate reproduces Go's escape rules byte for byte (Rust's `escape_debug` uses
//! different escapes and a different notion of "printable"). Printability follows Go's `strconv.IsPrint`, using a
//! table generated from Go itself (`isprint.rs`, by `gen_isprint.go`). Go strings are bytes: unquoting works on and
//! returns bytes, and quoting takes `&str` (the crate keeps text as UTF-8, so Go's `\x` escapes of invalid UTF-8 bytes
//! never arise when quoting).

mod isprint;

/// Go's `strconv.IsPrint`.
pub(crate) fn is_print(c: char) -> bool {
    let r = c as u32;
    if r < 0x80 {
        return (0x20..0x7f).contains(&r);
    }
    isprint::NOT_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < r {
                std::cmp::Ordering::Less
            } else if lo > r {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Appends `c` escaped as in Go's `appendEscapedRune` for the given quote character.
fn push_escaped(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\x7f' => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `fmt` `%q` of a byte (`uint8`): a single-quoted Go rune literal of the code point with that value.
pub(crate) fn quote_byte(b: u8) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, char::from(b), '\'');
    out.push('\'');
    out
}

/// The syntax error of Go's `strconv` (`ErrSyntax`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError;

/// Go's `strconv.QuotedPrefix`: the length of the quoted string at the front of `s`.
pub(crate) fn quoted_prefix(s: &[u8]) -> Result<usize, SyntaxError> {
    unquote_prefix(s, false).map(|(_, used)| used)
}

/// Go's `strconv.Unquote`: `s` must be exactly one quoted string (`"…"`, `` `…` `` or `'…'`).
pub(crate) fn unquote(s: &[u8]) -> Result<Vec<u8>, SyntaxError> {
    let (out, used) = unquote_prefix(s, true)?;
    if used != s.len() {
        return Err(SyntaxError);
    }
    Ok(out)
}

/// Go's internal `strconv.unquote(in, unescape)`: decodes the quoted string at the front of `s` and returns it (when
/// `unescape`) with the number of bytes it spans.
fn unquote_prefix(s: &[u8], unescape: bool) -> Result<(Vec<u8>, usize), SyntaxError> {
    if s.len() < 2 {
        return Err(SyntaxError);
    }
    let quote = s[0];
    let end = s[1..].iter().position(|&b| b == quote).ok_or(SyntaxError)? + 2; // after the terminating quote, if there are no escapes
    match quote {
        b'`' => {
            let body = &s[1..end - 1];
            // Carriage returns inside raw strings are discarded.
            let out = if unescape {
                body.iter().copied().filter(|&b| b != b'\r').collect()
            } else {
                Vec::new()
            };
            Ok((out, end))
        }
        b'"' | b'\'' => {
            let fast = &s[..end];
            if !fast.contains(&b'\\') && !fast.contains(&b'\n') {
                let body = &s[1..end - 1];
                let valid = if quote == b'"' {
                    std::str::from_utf8(body).is_ok()
                } else {
                    // Exactly one valid UTF-8 character.
                    std::str::from_utf8(body).is_ok_and(|t| t.chars().count() == 1)
                };
                if valid {
                    let out = if unescape { body.to_vec() } else { Vec::new() };
                    return Ok((out, end));
                }
            }
            let mut out = Vec::new();
            let mut rest = &s[1..];
            while let Some(&first) = rest.first() {
                if first == quote {
                    break;
                }
                if first == b'\n' {
                    return Err(SyntaxError);
                }
                let (value, tail) = unquote_char(rest, quote)?;
                rest = tail;
                if unescape {
                    match value {
                        Unquoted::Byte(b) => out.push(b),
                        Unquoted::Char(c) => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
                if quote == b'\'' {
                    break;
                }
            }
            if rest.first() != Some(&quote) {
                return Err(SyntaxError);
            }
            let used = s.len() - rest.len() + 1;
            Ok((out, used))
        }
        _ => Err(SyntaxError),
    }
}

/// One decoded character: a raw byte (`\x`, octal escapes and ASCII) or a Unicode character.
enum Unquoted {
    Byte(u8),
    Char(char),
}

/// Go's `strconv.UnquoteChar`.
fn unquote_char(s: &[u8], quote: u8) -> Result<(Unquoted, &[u8]), SyntaxError> {
    let c = *s.first().ok_or(SyntaxError)?;
    if c == quote && (quote == b'\'' || quote == b'"') {
        return Err(SyntaxError);
    }
    if c >= 0x80 {
        // Decode one UTF-8 character; an invalid sequence decodes as U+FFFD of width 1 (Go's utf8.RuneError).
        let width = utf8_width(s);
        return match std::str::from_utf8(&s[..width]) {
            Ok(t) => Ok((
                Unquoted::Char(t.chars().next().unwrap_or('\u{fffd}')),
                &s[width..],
            )),
            Err(_) => Ok((Unquoted::Char('\u{fffd}'), &s[1..])),
        };
    }
    if c != b'\\' {
        return Ok((Unquoted::Byte(c), &s[1..]));
    }
    let e = *s.get(1).ok_or(SyntaxError)?;
    let s = &s[2..];
    let simple = match e {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'\'' | b'"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(b) = simple {
        return Ok((Unquoted::Byte(b), s));
    }
    match e {
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = s.get(..n).ok_or(SyntaxError)?;
            let mut v: u32 = 0;
            for &d in digits {
                v = v << 4 | char::from(d).to_digit(16).ok_or(SyntaxError)?;
            }
            if e == b'x' {
                // A single byte, possibly not UTF-8. v <= 0xff.
                return Ok((Unquoted::Byte(v as u8), &s[n..]));
            }
            let c = char::from_u32(v).ok_or(SyntaxError)?;
            Ok((Unquoted::Char(c), &s[n..]))
        }
        b'0'..=b'7' => {
            let digits = s.get(..2).ok_or(SyntaxError)?;
            let mut v = u32::from(e - b'0');
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return Err(SyntaxError);
                }
                v = v << 3 | u32::from(d - b'0');
            }
            let b = u8::try_from(v).map_err(|_| SyntaxError)?;
            Ok((Unquoted::Byte(b), &s[2..]))
        }
        _ => Err(SyntaxError),
    }
}

/// The length of the UTF-8 sequence announced by the first byte of `s`, clipped to `s`.
fn utf8_width(s: &[u8]) -> usize {
    let w = match s[0] {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    w.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        // Expected values produced by Go 1.27.3 strconv.Quote.
        assert_eq!(quote("a b"), r#""a b""#);
        assert_eq!(quote("-X main.version=1.2.3"), r#""-X main.version=1.2.3""#);
        assert_eq!(quote("tab\there"), r#""tab\there""#);
        assert_eq!(quote("q\"`\\"), r#""q\"`\\""#);
        assert_eq!(
            quote("\x07\x08\x0c\n\r\x0b\x00\x1f\x7f"),
            r#""\a\b\f\n\r\v\x00\x1f\x7f""#
        );
        assert_eq!(quote("é ü 日本"), "\"é ü 日本\"");
        assert_eq!(
            quote("\u{a0}\u{ad}\u{200b}\u{feff}"),
            r#""\u00a0\u00ad\u200b\ufeff""#
        );
        assert_eq!(quote("\u{85}"), r#""\u0085""#);
        assert_eq!(quote("\u{e000}\u{10ffff}"), r#""\ue000\U0010ffff""#);
        assert_eq!(quote("😀"), "\"😀\"");
        assert_eq!(quote(""), r#""""#);
    }

    #[test]
    fn quote_byte_matches_go_percent_q_of_a_byte() {
        assert_eq!(quote_byte(b'x'), "'x'");
        assert_eq!(quote_byte(b'\t'), r"'\t'");
        assert_eq!(quote_byte(b'\''), r"'\''");
        assert_eq!(quote_byte(b'"'), "'\"'");
        assert_eq!(quote_byte(0xc3), "'Ã'");
        assert_eq!(quote_byte(0x85), r"'\u0085'");
    }

    #[test]
    fn unquote_matches_go() {
        assert_eq!(unquote(br#""a b""#), Ok(b"a b".to_vec()));
        assert_eq!(unquote(b"`raw\\n`"), Ok(b"raw\\n".to_vec()));
        assert_eq!(unquote(b"`a\rb`"), Ok(b"ab".to_vec()));
        assert_eq!(
            unquote(br#""\x41\101\u00e9\U0001F600\t\"""#),
            Ok("AAé😀\t\"".as_bytes().to_vec())
        );
        assert_eq!(unquote(br#""\xff""#), Ok(vec![0xff]));
        assert_eq!(unquote(br#""\377""#), Ok(vec![0xff]));
        assert_eq!(unquote(b"'a'"), Ok(b"a".to_vec()));
        // Invalid UTF-8 inside quotes without escapes decodes (slow path) to U+FFFD.
        assert_eq!(unquote(b"\"\xff\""), Ok("\u{fffd}".as_bytes().to_vec()));
        for bad in [
            &b""[..],
            b"\"",
            b"\"abc",
            b"\"a\"b",
            b"'ab'",
            br#""\'""#,
            br#""\400""#,
            br#""\ud800""#,
            br#""\q""#,
            b"\"a\nb\"",
            b"x",
            br#""\x4""#,
        ] {
            assert_eq!(
                unquote(bad),
                Err(SyntaxError),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn quoted_prefix_matches_go() {
        assert_eq!(quoted_prefix(br#""a=b"=c"#), Ok(5));
        assert_eq!(quoted_prefix(b"`k`=v"), Ok(3));
        assert_eq!(quoted_prefix(br#""a\"b"=c"#), Ok(6));
        assert_eq!(quoted_prefix(br#""unterminated"#), Err(SyntaxError));
    }

    #[test]
    fn is_print_matches_go_on_samples() {
        for c in [' ', '~', 'é', '日', '😀', '\u{fffd}', '\u{300}'] {
            assert!(is_print(c), "{c:?}");
        }
        for c in [
            '\u{7f}', '\u{80}', '\u{a0}', '\u{ad}', '\u{2028}', '\u{e000}', '\u{378}',
        ] {
            assert!(!is_print(c), "{c:?}");
        }
    }
}
