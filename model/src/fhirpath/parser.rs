//! The FHIRPath grammar: a lexer and a precedence-climbing parser to the [`Expr`] tree. Every
//! error names the byte offset of the problem in the expression's text.
use super::error::Error;
use super::value::{Temporal, TemporalKind};
use crate::primitives::ExactDecimal;

/// One token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// `` `name` ``: an identifier that is never a keyword.
    Delimited(String),
    Str(String),
    Number(String),
    /// `@2020-01-01T10:00`, `@T10:00`.
    Temporal(String),
    /// `$this`, `$index`, `$total`.
    Special(String),
    /// `%name`, `%'name'`, `` %`name` ``.
    External(String),
    Punct(&'static str),
    End,
}

const PUNCTS: [&str; 22] =
    ["<=", ">=", "!=", "!~", ".", "[", "]", "(", ")", "{", "}", ",", "+", "-", "*", "/", "|", "=", "~", "<", ">", "&"];

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if text[i..].starts_with("/*") {
            match text[i + 2..].find("*/") {
                Some(n) => i += n + 4,
                None => return Err(Error::at(i, "a comment that is not closed (`*/`)")),
            }
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(text[start..i].to_string()), start));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push((Tok::Number(text[start..i].to_string()), start));
        } else if c == b'\'' || c == b'`' {
            let (s, end) = quoted(text, i)?;
            i = end;
            out.push((if c == b'\'' { Tok::Str(s) } else { Tok::Delimited(s) }, start));
        } else if c == b'@' {
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'-' | b':' | b'.' | b'+' | b'T' | b'Z'))
            {
                // A `+`/`-` only inside a time's offset, `.` only before a digit.
                if bytes[i] == b'.' && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    break;
                }
                if bytes[i] == b'+' && !text[start..i].contains('T') {
                    break;
                }
                i += 1;
            }
            out.push((Tok::Temporal(text[start + 1..i].to_string()), start));
        } else if c == b'$' || c == b'%' {
            i += 1;
            let name = if i < bytes.len() && (bytes[i] == b'\'' || bytes[i] == b'`') {
                let (s, end) = quoted(text, i)?;
                i = end;
                s
            } else {
                let s = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-') {
                    i += 1;
                }
                text[s..i].to_string()
            };
            if name.is_empty() {
                return Err(Error::at(start, "a name after `$` or `%`"));
            }
            out.push((if c == b'$' { Tok::Special(name) } else { Tok::External(name) }, start));
        } else if let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            i += p.len();
            out.push((Tok::Punct(p), start));
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(Error::at(i, format!("an unexpected character {ch:?}")));
        }
    }
    out.push((Tok::End, text.len()));
    Ok(out)
}

/// A quoted string or identifier starting at `start` (the quote): its unescaped text and the
/// offset after the closing quote.
fn quoted(text: &str, start: usize) -> Result<(String, usize), Error> {
    let quote = text.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((n, c)) = chars.next() {
        if c == quote {
            return Ok((out, start + 1 + n + 1));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((m, e)) = chars.next() else { break };
        match e {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\u{c}'),
            'u' => {
                let hex: String = chars.by_ref().take(4).map(|(_, c)| c).collect();
                let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                match code {
                    Some(c) if hex.len() == 4 => out.push(c),
                    _ => return Err(Error::at(start + 1 + m, "a \\u escape with four hex digits")),
                }
            }
            other => out.push(other),
        }
    }
    Err(Error::at(start, format!("a closing {quote}")))
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Boolean(bool),
    String(String),
    Integer(i64),
    Decimal(ExactDecimal),
    Temporal(Temporal),
    Quantity(ExactDecimal, String),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Mul,
    Div,
    IntDiv,
    Mod,
    Add,
    Sub,
    Concat,
    Union,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    Equiv,
    NotEquiv,
    In,
    Contains,
    And,
    Or,
    Xor,
    Implies,
}

/// A parsed expression; `pos` is the byte offset it starts at (for errors while evaluating).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Empty,
    Literal(Literal),
    /// A name at the start of a path (an element, or a type name such as `Patient`).
    Ident(String, usize),
    This,
    Index,
    Total,
    External(String, usize),
    Member(Box<Expr>, String),
    /// A function call on `target` (the focus when `None`).
    Call {
        target: Option<Box<Expr>>,
        name: String,
        args: Vec<Expr>,
        pos: usize,
    },
    Indexer(Box<Expr>, Box<Expr>, usize),
    Negate(Box<Expr>, usize),
    Binary(Op, Box<Expr>, Box<Expr>, usize),
    Is(Box<Expr>, String),
    As(Box<Expr>, String),
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
}

/// How deeply expressions may nest (parentheses, arguments, operands).
const MAX_DEPTH: usize = 100;

/// Parses an expression.
pub(crate) fn parse(text: &str) -> Result<Expr, Error> {
    let mut p = Parser { toks: lex(text)?, at: 0, depth: 0 };
    let e = p.expr(0)?;
    match p.peek() {
        Tok::End => Ok(e),
        t => Err(Error::at(p.pos(), format!("the end of the expression, found {}", describe(t)))),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) | Tok::Delimited(s) => format!("`{s}`"),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Number(s) => s.clone(),
        Tok::Temporal(s) => format!("@{s}"),
        Tok::Special(s) => format!("${s}"),
        Tok::External(s) => format!("%{s}"),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::End => "the end".into(),
    }
}

/// Binding power of an infix operator (higher binds tighter), by the FHIRPath precedence table.
fn infix(t: &Tok) -> Option<(u8, Option<Op>)> {
    let op = match t {
        Tok::Punct(p) => match *p {
            "*" => (10, Op::Mul),
            "/" => (10, Op::Div),
            "+" => (9, Op::Add),
            "-" => (9, Op::Sub),
            "&" => (9, Op::Concat),
            "|" => (7, Op::Union),
            "<" => (6, Op::Lt),
            ">" => (6, Op::Gt),
            "<=" => (6, Op::Le),
            ">=" => (6, Op::Ge),
            "=" => (5, Op::Eq),
            "!=" => (5, Op::Ne),
            "~" => (5, Op::Equiv),
            "!~" => (5, Op::NotEquiv),
            _ => return None,
        },
        Tok::Ident(k) => match k.as_str() {
            "div" => (10, Op::IntDiv),
            "mod" => (10, Op::Mod),
            "is" | "as" => return Some((8, None)),
            "in" => (4, Op::In),
            "contains" => (4, Op::Contains),
            "and" => (3, Op::And),
            "or" => (2, Op::Or),
            "xor" => (2, Op::Xor),
            "implies" => (1, Op::Implies),
            _ => return None,
        },
        _ => return None,
    };
    Some((op.0, Some(op.1)))
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].0
    }

    fn pos(&self) -> usize {
        self.toks[self.at].1
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Tok::Punct(q) if *q == p) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<(), Error> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(Error::at(self.pos(), format!("`{p}`, found {}", describe(self.peek()))))
        }
    }

    fn expr(&mut self, min: u8) -> Result<Expr, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::at(self.pos(), format!("an expression nested at most {MAX_DEPTH} deep")));
        }
        let e = self.expr_inner(min);
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self, min: u8) -> Result<Expr, Error> {
        let mut left = self.unary()?;
        while let Some((power, op)) = infix(self.peek()) {
            if power < min {
                break;
            }
            let (tok, pos) = self.next();
            left = match op {
                Some(op) => Binary(op, Box::new(left), Box::new(self.expr(power + 1)?), pos),
                None => {
                    let ty = self.type_name()?;
                    if tok == Tok::Ident("is".into()) {
                        Expr::Is(Box::new(left), ty)
                    } else {
                        Expr::As(Box::new(left), ty)
                    }
                }
            };
        }
        Ok(left)
    }

    /// A type specifier: `Quantity`, `FHIR.Quantity`, `System.String`.
    fn type_name(&mut self) -> Result<String, Error> {
        let mut name = self.identifier()?;
        while self.eat(".") {
            name.push('.');
            name.push_str(&self.identifier()?);
        }
        Ok(name)
    }

    fn identifier(&mut self) -> Result<String, Error> {
        match self.next() {
            (Tok::Ident(s) | Tok::Delimited(s), _) => Ok(s),
            (t, pos) => Err(Error::at(pos, format!("a name, found {}", describe(&t)))),
        }
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let pos = self.pos();
        if self.eat("-") {
            let inner = self.expr(11)?;
            return Ok(match inner {
                Expr::Literal(Literal::Integer(i)) => Expr::Literal(Literal::Integer(-i)),
                Expr::Literal(Literal::Decimal(d)) => Expr::Literal(Literal::Decimal(d.negate())),
                Expr::Literal(Literal::Quantity(d, u)) => Expr::Literal(Literal::Quantity(d.negate(), u)),
                other => Expr::Negate(Box::new(other), pos),
            });
        }
        if self.eat("+") {
            return self.expr(11);
        }
        let mut e = self.term()?;
        loop {
            if self.eat(".") {
                let pos = self.pos();
                let name = self.identifier()?;
                e = if self.eat("(") {
                    let args = self.args()?;
                    Expr::Call { target: Some(Box::new(e)), name, args, pos }
                } else {
                    Expr::Member(Box::new(e), name)
                };
            } else if matches!(self.peek(), Tok::Punct("[")) {
                let pos = self.pos();
                self.next();
                let index = self.expr(0)?;
                self.expect("]")?;
                e = Expr::Indexer(Box::new(e), Box::new(index), pos);
            } else {
                return Ok(e);
            }
        }
    }

    fn args(&mut self) -> Result<Vec<Expr>, Error> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr(0)?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn term(&mut self) -> Result<Expr, Error> {
        let (tok, pos) = self.next();
        Ok(match tok {
            Tok::Punct("(") => {
                let e = self.expr(0)?;
                self.expect(")")?;
                e
            }
            Tok::Punct("{") => {
                self.expect("}")?;
                Expr::Empty
            }
            Tok::Str(s) => Expr::Literal(Literal::String(s)),
            Tok::Number(n) => self.number(&n, pos)?,
            Tok::Temporal(t) => match Temporal::parse_literal(&t) {
                Some(t) => Expr::Literal(Literal::Temporal(t)),
                None => return Err(Error::at(pos, format!("a date, date-time or time, found @{t}"))),
            },
            Tok::Special(s) => match s.as_str() {
                "this" => Expr::This,
                "index" => Expr::Index,
                "total" => Expr::Total,
                _ => return Err(Error::at(pos, format!("$this, $index or $total, found ${s}"))),
            },
            Tok::External(s) => Expr::External(s, pos),
            Tok::Ident(s) if s == "true" || s == "false" => Expr::Literal(Literal::Boolean(s == "true")),
            Tok::Ident(s) | Tok::Delimited(s) => {
                if self.eat("(") {
                    let args = self.args()?;
                    Expr::Call { target: None, name: s, args, pos }
                } else {
                    Expr::Ident(s, pos)
                }
            }
            t => return Err(Error::at(pos, format!("an expression, found {}", describe(&t)))),
        })
    }

    /// A number, or a quantity when a unit follows (`4 'mg'`, `3 days`).
    fn number(&mut self, text: &str, pos: usize) -> Result<Expr, Error> {
        let value = || {
            ExactDecimal::parse(text)
                .ok_or_else(|| Error::at(pos, format!("a number of at most 38 digits, found {text}")))
        };
        let unit = match self.peek() {
            Tok::Str(u) => Some(u.clone()),
            Tok::Ident(u) if super::value::calendar_unit(u).is_some() => Some(u.clone()),
            _ => None,
        };
        if let Some(unit) = unit {
            self.next();
            return Ok(Expr::Literal(Literal::Quantity(value()?, unit)));
        }
        if text.contains('.') {
            return Ok(Expr::Literal(Literal::Decimal(value()?)));
        }
        match text.parse::<i64>() {
            Ok(i) => Ok(Expr::Literal(Literal::Integer(i))),
            Err(_) => Ok(Expr::Literal(Literal::Decimal(value()?))),
        }
    }
}

use Expr::Binary;

impl Temporal {
    /// A literal's text after `@`: `2020`, `2020-01-01T10:00:00.000+01:00`, `T10:00`.
    fn parse_literal(text: &str) -> Option<Temporal> {
        if let Some(time) = text.strip_prefix('T') {
            return Temporal::parse(time, TemporalKind::Time);
        }
        match text.strip_suffix('T') {
            Some(date) => Temporal::parse(date, TemporalKind::DateTime),
            None if text.contains('T') => Temporal::parse(text, TemporalKind::DateTime),
            None => Temporal::parse(text, TemporalKind::Date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn precedence_and_positions() {
        let e = parse("a.b + 2 * 3 = 8 and c").unwrap();
        assert!(matches!(e, Binary(Op::And, _, _, _)));
        let err = parse("name.given.where(").unwrap_err();
        assert_eq!(err.position, 17);
        let err = parse("2 + 2 /").unwrap_err();
        assert_eq!(err.position, 7);
        assert_eq!(parse("a ! b").unwrap_err().position, 2);
        assert_eq!(parse("'abc").unwrap_err().position, 0);
        assert!(matches!(parse("4.5 'mg'").unwrap(), Expr::Literal(Literal::Quantity(..))));
        assert!(matches!(parse("-5").unwrap(), Expr::Literal(Literal::Integer(-5))));
        assert!(parse("@2014-01-01T10:00:00.000+01:00").is_ok());
        assert!(parse("Patient.name.`given`").is_ok());
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        let negations = format!("{}1", "-".repeat(100_000));
        assert!(parse(&negations).is_err());
    }

    proptest! {
        #[test]
        fn random_text_never_panics(text in "\\PC{0,40}") {
            let _ = parse(&text);
        }

        #[test]
        fn random_fhirpath_like_text_never_panics(text in "[a-z()'.\\[\\]@T0-9:+\\-*/|=<>!~$%{}` ,&\\\\u]{0,40}") {
            let _ = parse(&text);
        }
    }
}
