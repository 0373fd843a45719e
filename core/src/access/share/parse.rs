//! Parsing a spec from its text.

use std::str::FromStr;

use super::error::{ShareField, ShareSpecError, err};
use super::spec::{Label, Recipient, Separator, Share, ShareLevel, ShareSpec, Validity};
use crate::access::expr::Condition;
use crate::access::ids::RoleName;

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '?'))
}

impl FromStr for ShareSpec {
    type Err = ShareSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let chars: Vec<char> = s.chars().collect();
        let mut pos = 0;
        let mut shares = Vec::new();
        loop {
            let (share, next) = parse_share(&chars, pos)?;
            shares.push(share);
            match next {
                Some(p) => pos = p,
                None => break,
            }
        }
        Ok(ShareSpec { shares })
    }
}

/// A field's text (trimmed) and the column of its first non-blank character.
fn trimmed(chars: &[char], start: usize, end: usize) -> (String, usize) {
    let mut a = start;
    let mut b = end;
    while a < b && chars[a].is_whitespace() {
        a += 1;
    }
    while b > a && chars[b - 1].is_whitespace() {
        b -= 1;
    }
    (chars[a..b].iter().collect(), a + 1)
}

/// Parses one share starting at `pos`; returns it and where the next begins.
fn parse_share(chars: &[char], mut pos: usize) -> Result<(Share, Option<usize>), ShareSpecError> {
    let mut fields: Vec<(String, usize)> = Vec::with_capacity(7);
    let mut next = None;
    for (i, field) in ShareField::ORDER.iter().enumerate() {
        let start = pos;
        if *field == ShareField::Condition {
            // Until `;` outside a quoted string.
            let mut quote: Option<char> = None;
            while pos < chars.len() {
                let c = chars[pos];
                match quote {
                    Some(_) if c == '\\' => pos += 1,
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c == ';' => break,
                    None => {}
                }
                pos += 1;
            }
        } else {
            while pos < chars.len() && chars[pos] != ',' && chars[pos] != ';' {
                pos += 1;
            }
        }
        let end = pos.min(chars.len());
        fields.push(trimmed(chars, start, end));
        let at_end = pos >= chars.len();
        let sep = chars.get(pos).copied();
        if i < 5 && sep != Some(',') {
            let missing = ShareField::ORDER[i + 1];
            return Err(err(
                missing,
                end + 1,
                format!(
                    "missing: a share needs six fields separated by commas, found `{}`",
                    if at_end {
                        "end of spec".to_owned()
                    } else {
                        ";".to_owned()
                    }
                ),
            ));
        }
        if i == 5 && sep == Some(',') {
            pos += 1;
            continue;
        }
        if sep == Some(';') {
            next = Some(pos + 1);
        }
        if i >= 5 {
            break;
        }
        pos += 1;
    }

    let (sharer, c0) = &fields[0];
    if !valid_name(sharer) {
        return Err(err(
            ShareField::SharerRole,
            *c0,
            format!("expected a role name, found `{sharer}`"),
        ));
    }
    let (rrole, c1) = &fields[1];
    if !valid_name(rrole) {
        return Err(err(
            ShareField::RecipientRole,
            *c1,
            format!("expected a role name, found `{rrole}`"),
        ));
    }
    let (rtext, c2) = &fields[2];
    let separator = if rtext.contains('|') {
        Separator::Pipe
    } else {
        Separator::Space
    };
    let mut recipients = Vec::new();
    let mut offset = 0;
    for part in rtext.split([' ', '|']) {
        let col = c2 + offset;
        offset += part.chars().count() + 1;
        if part.is_empty() {
            continue;
        }
        recipients.push(if part == "?" {
            Recipient::Ask
        } else if part.contains('@') {
            let (local, domain) = part.rsplit_once('@').unwrap_or_default();
            if local.is_empty() || domain.is_empty() || part.contains([',', ';']) {
                return Err(err(
                    ShareField::Recipients,
                    col,
                    format!("`{part}` is not an email address"),
                ));
            }
            Recipient::Email(part.to_owned())
        } else if valid_name(part) {
            Recipient::Role(RoleName::from(part))
        } else {
            return Err(err(
                ShareField::Recipients,
                col,
                format!("expected a role, an email or `?`, found `{part}`"),
            ));
        });
    }
    if recipients.is_empty() {
        return Err(err(
            ShareField::Recipients,
            *c2,
            "empty: name a role, an email address or `?`",
        ));
    }
    let (ltext, c3) = &fields[3];
    let level = match ltext.as_str() {
        "0" => ShareLevel::LoginWithRole,
        "1" => ShareLevel::DirectLogin,
        "2" => ShareLevel::LinkAccount,
        "3" => ShareLevel::GuestAccount,
        "4" => ShareLevel::Public,
        other => {
            return Err(err(
                ShareField::Level,
                *c3,
                format!("expected 0, 1, 2, 3 or 4, found `{other}`"),
            ));
        }
    };
    let (vtext, c4) = &fields[4];
    let validity = if vtext == "unlimited" {
        Validity::Unlimited
    } else {
        match vtext.parse::<u32>() {
            Ok(h) if vtext.chars().all(|c| c.is_ascii_digit()) => Validity::Hours(h),
            _ => {
                return Err(err(
                    ShareField::Validity,
                    *c4,
                    format!("expected a number of hours or `unlimited`, found `{vtext}`"),
                ));
            }
        }
    };
    let (labtext, c5) = &fields[5];
    let mut labels = Vec::new();
    let mut offset = 0;
    for part in labtext.split('/') {
        let col = c5 + offset;
        offset += part.chars().count() + 1;
        let Some((text, lang)) = part.rsplit_once('@') else {
            return Err(err(
                ShareField::Label,
                col,
                format!("expected `text@lang`, found `{part}`"),
            ));
        };
        let (text, lang) = (text.trim(), lang.trim());
        if text.is_empty()
            || lang.is_empty()
            || !lang
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                ShareField::Label,
                col,
                format!("expected `text@lang`, found `{part}`"),
            ));
        }
        labels.push(Label {
            text: text.to_owned(),
            lang: lang.to_owned(),
        });
    }
    let condition = match fields.get(6) {
        None => None,
        Some((ctext, c6)) => Some(Condition::parse(ctext).map_err(|e| {
            let shifted = e.shifted(c6 - 1);
            err(
                ShareField::Condition,
                shifted.column().max(*c6),
                shifted.to_string(),
            )
        })?),
    };
    Ok((
        Share {
            sharer_role: RoleName::from(sharer.as_str()),
            recipient_role: RoleName::from(rrole.as_str()),
            recipients,
            separator,
            level,
            validity,
            labels,
            condition,
        },
        next,
    ))
}

impl ShareSpec {
    /// Parses a spec (same as `str::parse`).
    pub fn parse(s: &str) -> Result<ShareSpec, ShareSpecError> {
        s.parse()
    }
}
