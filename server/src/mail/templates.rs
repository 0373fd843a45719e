//! The mails Folio sends, in English and Dutch.
//!
//! Each template is a function from its facts to a [`Rendered`] subject and
//! plain-text body. Plain text only: it survives every mail client, and there
//! is no HTML to escape. Links are absolute (built from `--public-url`).

use serde::{Deserialize, Serialize};

/// A language Folio writes mail in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Dutch.
    Nl,
}

impl Lang {
    /// Parses `en` or `nl` (also `en-GB`, `nl-BE`, … by their prefix).
    pub fn parse(raw: &str) -> Option<Lang> {
        let prefix = raw.trim().get(..2)?.to_ascii_lowercase();
        match prefix.as_str() {
            "en" => Some(Lang::En),
            "nl" => Some(Lang::Nl),
            _ => None,
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }
}

/// A mail ready to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

fn until_text(lang: Lang, until: Option<&str>) -> String {
    match (lang, until) {
        (Lang::En, Some(u)) => format!("Your access ends on {u}."),
        (Lang::En, None) => "Your access has no end date; the owner can end it at any time.".into(),
        (Lang::Nl, Some(u)) => format!("Je toegang eindigt op {u}."),
        (Lang::Nl, None) => {
            "Je toegang heeft geen einddatum; de eigenaar kan hem altijd beëindigen.".into()
        }
    }
}

/// An invitation to an external (or a one-time assessor).
pub fn invitation(
    lang: Lang,
    inviter: &str,
    portfolio: &str,
    role: &str,
    link: &str,
    until: Option<&str>,
) -> Rendered {
    let until = until_text(lang, until);
    match lang {
        Lang::En => Rendered {
            subject: format!("{inviter} invites you to the portfolio “{portfolio}”"),
            body: format!(
                "Hello,\n\n{inviter} invites you as {role} to the portfolio “{portfolio}” in Folio.\n\n\
                 Open this link to sign in:\n{link}\n\n\
                 Each time you sign in, Folio mails you a one-time code to type in. {until}\n\n\
                 If you did not expect this invitation, you can ignore this mail.\n"
            ),
        },
        Lang::Nl => Rendered {
            subject: format!("{inviter} nodigt je uit voor het portfolio “{portfolio}”"),
            body: format!(
                "Hallo,\n\n{inviter} nodigt je uit als {role} voor het portfolio “{portfolio}” in Folio.\n\n\
                 Open deze link om in te loggen:\n{link}\n\n\
                 Elke keer dat je inlogt, mailt Folio je een eenmalige code om in te typen. {until}\n\n\
                 Verwachtte je deze uitnodiging niet, dan kun je deze mail negeren.\n"
            ),
        },
    }
}

/// A one-time sign-in code.
pub fn one_time_code(lang: Lang, code: &str, minutes: u32) -> Rendered {
    match lang {
        Lang::En => Rendered {
            subject: format!("Your Folio sign-in code: {code}"),
            body: format!(
                "Your one-time sign-in code is\n\n    {code}\n\n\
                 It works once, for {minutes} minutes. Never share it: Folio will never ask you for it by phone or mail.\n"
            ),
        },
        Lang::Nl => Rendered {
            subject: format!("Je inlogcode voor Folio: {code}"),
            body: format!(
                "Je eenmalige inlogcode is\n\n    {code}\n\n\
                 Hij werkt één keer, {minutes} minuten lang. Deel hem nooit: Folio vraagt er nooit om per telefoon of mail.\n"
            ),
        },
    }
}

/// Someone asks the owner for access.
pub fn access_request(
    lang: Lang,
    requester: &str,
    portfolio: &str,
    message: &str,
    link: &str,
) -> Rendered {
    let quoted = if message.is_empty() {
        String::new()
    } else {
        format!("\n> {}\n", message.replace('\n', "\n> "))
    };
    match lang {
        Lang::En => Rendered {
            subject: format!("{requester} asks for access to “{portfolio}”"),
            body: format!(
                "{requester} found a link to your portfolio “{portfolio}” and asks for access.\n{quoted}\n\
                 Approve or decline the request here:\n{link}\n"
            ),
        },
        Lang::Nl => Rendered {
            subject: format!("{requester} vraagt toegang tot “{portfolio}”"),
            body: format!(
                "{requester} vond een link naar je portfolio “{portfolio}” en vraagt toegang.\n{quoted}\n\
                 Keur het verzoek hier goed of af:\n{link}\n"
            ),
        },
    }
}

/// Access has ended (revoked by the owner).
pub fn revocation(lang: Lang, portfolio: &str) -> Rendered {
    match lang {
        Lang::En => Rendered {
            subject: format!("Your access to “{portfolio}” has ended"),
            body: format!(
                "Your access to the portfolio “{portfolio}” in Folio has been ended by its owner.\n\
                 Nothing is needed from you. Thank you for your contribution.\n"
            ),
        },
        Lang::Nl => Rendered {
            subject: format!("Je toegang tot “{portfolio}” is beëindigd"),
            body: format!(
                "Je toegang tot het portfolio “{portfolio}” in Folio is door de eigenaar beëindigd.\n\
                 Je hoeft niets te doen. Bedankt voor je bijdrage.\n"
            ),
        },
    }
}

/// The owner learns that a grantee removed themself.
pub fn self_removed(lang: Lang, who: &str, portfolio: &str) -> Rendered {
    match lang {
        Lang::En => Rendered {
            subject: format!("{who} left your portfolio “{portfolio}”"),
            body: format!(
                "{who} removed their own access to your portfolio “{portfolio}”.\n\
                 Their earlier feedback stays. Invite them again if this was a mistake.\n"
            ),
        },
        Lang::Nl => Rendered {
            subject: format!("{who} heeft je portfolio “{portfolio}” verlaten"),
            body: format!(
                "{who} heeft de eigen toegang tot je portfolio “{portfolio}” verwijderd.\n\
                 Eerdere feedback blijft staan. Nodig hem of haar opnieuw uit als dit een vergissing was.\n"
            ),
        },
    }
}

/// A share button sent someone a link.
pub fn shared_link(lang: Lang, sharer: &str, portfolio: &str, link: &str, until: Option<&str>) -> Rendered {
    let until = until_text(lang, until);
    match lang {
        Lang::En => Rendered {
            subject: format!("{sharer} shared “{portfolio}” with you"),
            body: format!("{sharer} shared part of the portfolio “{portfolio}” with you.\n\nOpen it here:\n{link}\n\n{until}\n"),
        },
        Lang::Nl => Rendered {
            subject: format!("{sharer} deelde “{portfolio}” met je"),
            body: format!("{sharer} deelde een deel van het portfolio “{portfolio}” met je.\n\nOpen het hier:\n{link}\n\n{until}\n"),
        },
    }
}

/// The answer to an access request.
pub fn request_decided(lang: Lang, portfolio: &str, approved: bool) -> Rendered {
    match (lang, approved) {
        (Lang::En, true) => Rendered {
            subject: format!("You now have access to “{portfolio}”"),
            body: format!("Your request for access to “{portfolio}” was approved. Sign in to Folio to open it.\n"),
        },
        (Lang::En, false) => Rendered {
            subject: format!("Your request for “{portfolio}” was declined"),
            body: format!("Your request for access to “{portfolio}” was declined by its owner.\n"),
        },
        (Lang::Nl, true) => Rendered {
            subject: format!("Je hebt nu toegang tot “{portfolio}”"),
            body: format!("Je verzoek om toegang tot “{portfolio}” is goedgekeurd. Log in bij Folio om het te openen.\n"),
        },
        (Lang::Nl, false) => Rendered {
            subject: format!("Je verzoek voor “{portfolio}” is afgewezen"),
            body: format!("Je verzoek om toegang tot “{portfolio}” is door de eigenaar afgewezen.\n"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_exists_in_english_and_dutch_and_they_differ() {
        for lang in [Lang::En, Lang::Nl] {
            let all = [
                invitation(lang, "Olga", "My year", "supervisor", "http://x/l", Some("2025-02-01")),
                one_time_code(lang, "123456", 10),
                access_request(lang, "Tom", "My year", "please", "http://x/r"),
                revocation(lang, "My year"),
                self_removed(lang, "Tom", "My year"),
                shared_link(lang, "Olga", "My year", "http://x/s", None),
                request_decided(lang, "My year", true),
            ];
            for r in &all {
                assert!(!r.subject.is_empty() && !r.body.is_empty());
            }
        }
        assert_ne!(revocation(Lang::En, "p"), revocation(Lang::Nl, "p"));
        assert!(one_time_code(Lang::Nl, "654321", 10).body.contains("654321"));
    }

    #[test]
    fn languages_parse_by_their_prefix() {
        assert_eq!(Lang::parse("nl-BE"), Some(Lang::Nl));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
    }
}
