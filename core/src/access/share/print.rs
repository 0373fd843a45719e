//! Canonical printing of a spec, and its serde form (the text).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::spec::{Recipient, Separator, Share, ShareSpec, Validity};

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},", self.sharer_role, self.recipient_role)?;
        let sep = match self.separator {
            Separator::Space => " ",
            Separator::Pipe => "|",
        };
        for (i, r) in self.recipients.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            match r {
                Recipient::Role(role) => f.write_str(role.as_str())?,
                Recipient::Email(e) => f.write_str(e)?,
                Recipient::Ask => f.write_str("?")?,
            }
        }
        write!(f, ",{},", self.level.digit())?;
        match self.validity {
            Validity::Hours(h) => write!(f, "{h},")?,
            Validity::Unlimited => f.write_str("unlimited,")?,
        }
        for (i, l) in self.labels.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{}@{}", l.text, l.lang)?;
        }
        if let Some(c) = &self.condition {
            write!(f, ",{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ShareSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.shares.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl Serialize for ShareSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ShareSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}
