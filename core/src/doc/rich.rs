//! Rich text: Automerge text with marks for inline style and block markers for
//! paragraph structure.
//!
//! Inline style (bold, italic, links) uses Automerge **marks** — Peritext
//! ranges that merge sensibly under concurrent typing. Mark names and values
//! follow `@automerge/prosemirror` (`strong`, `em`, `link` whose value is a
//! JSON string `{"href": …}`), so the browser can bind the same text to a
//! ProseMirror editor without conversion.
//!
//! Paragraph structure (headings, list items, quotes) uses Automerge **block
//! markers**: a small map embedded in the text at the start of each block,
//! `{type, parents, attrs}` — again `@automerge/prosemirror`'s format. We chose
//! block markers over a list of per-paragraph text objects because a text
//! object is one sequence: splitting or joining paragraphs, pasting across
//! them and moving the cursor are plain splices that merge character by
//! character, while per-paragraph objects would turn "press Enter" into
//! creating an object and moving text between objects, which Automerge cannot
//! merge (there is no move). Text before the first marker is an implicit
//! paragraph.
//!
//! Links are checked: only `http`, `https` and `mailto` targets are accepted,
//! so a document can never carry a `javascript:` link to another reader.

use automerge::marks::{ExpandMark, Mark};
use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value, iter::Span};
use serde::{Deserialize, Serialize};

use super::schema::{self, Report, Shape, join};
use super::DocError;

/// Mark name for bold.
pub const BOLD: &str = "strong";
/// Mark name for italic.
pub const ITALIC: &str = "em";
/// Mark name for a link.
pub const LINK: &str = "link";

/// An inline format to apply to (or remove from) a range of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", content = "href", rename_all = "lowercase")]
pub enum Format {
    /// Bold.
    Bold,
    /// Italic.
    Italic,
    /// A link to `http`, `https` or `mailto` target.
    Link(String),
}

/// The kind of a block (paragraph-level structure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "block", content = "level", rename_all = "kebab-case")]
pub enum BlockKind {
    /// A plain paragraph.
    Paragraph,
    /// A heading of level 1 to 6.
    Heading(u8),
    /// An item of a bulleted list.
    UnorderedListItem,
    /// An item of a numbered list.
    OrderedListItem,
    /// A quotation.
    Blockquote,
}

impl BlockKind {
    fn type_name(self) -> &'static str {
        match self {
            BlockKind::Paragraph => "paragraph",
            BlockKind::Heading(_) => "heading",
            BlockKind::UnorderedListItem => "unordered-list-item",
            BlockKind::OrderedListItem => "ordered-list-item",
            BlockKind::Blockquote => "blockquote",
        }
    }
}

/// A run of text with one set of inline formats.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Run {
    /// The characters.
    pub text: String,
    /// Bold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bold: bool,
    /// Italic.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub italic: bool,
    /// Link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A block: its kind and its runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Paragraph, heading, list item…
    #[serde(flatten)]
    pub kind: BlockKind,
    /// The formatted text of the block.
    pub runs: Vec<Run>,
}

/// A rich text value read from a document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RichText {
    /// The blocks in order.
    pub blocks: Vec<Block>,
}

impl RichText {
    /// The characters without formatting, blocks separated by newlines.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        for (i, b) in self.blocks.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for r in &b.runs {
                out.push_str(&r.text);
            }
        }
        out
    }
}

/// Is this a link target we accept?
pub fn safe_href(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        && !href.chars().any(char::is_control)
}

fn link_value(href: &str) -> String {
    serde_json::json!({ "href": href }).to_string()
}

fn href_of(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Str(s) => {
            let v: serde_json::Value = serde_json::from_str(s).ok()?;
            v.get("href")?.as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// Check one mark as written by a change: a known name and a value of the
/// right type (`null` removes a mark).
pub(crate) fn check_mark(mark: &Mark) -> Result<(), String> {
    let value = &mark.value;
    match mark.name.as_str() {
        BOLD | ITALIC => match value {
            ScalarValue::Boolean(_) | ScalarValue::Null => Ok(()),
            _ => Err(format!("mark `{}` should be true or null", mark.name)),
        },
        LINK => match value {
            ScalarValue::Null => Ok(()),
            v => match href_of(v) {
                Some(h) if safe_href(&h) => Ok(()),
                Some(h) => Err(format!("link target `{h}` is not an http, https or mailto address")),
                None => Err("a link mark should hold {\"href\": …}".to_owned()),
            },
        },
        other => Err(format!("`{other}` is not a known format (strong, em, link)")),
    }
}

/// Read a text object into blocks and runs.
pub(crate) fn read<D: ReadDoc>(doc: &D, text: &ObjId) -> RichText {
    let mut blocks = Vec::new();
    let mut current = Block { kind: BlockKind::Paragraph, runs: Vec::new() };
    let mut started = false;
    let Ok(spans) = doc.spans(text) else { return RichText::default() };
    for span in spans {
        match span {
            Span::Block(map) => {
                if started || !current.runs.is_empty() {
                    blocks.push(std::mem::replace(&mut current, Block { kind: BlockKind::Paragraph, runs: Vec::new() }));
                }
                started = true;
                current.kind = block_kind_of(&map);
            }
            Span::Text { text, marks } => {
                let mut run = Run { text, ..Run::default() };
                if let Some(marks) = marks {
                    for (name, value) in marks.iter() {
                        match name {
                            BOLD => run.bold = matches!(value, ScalarValue::Boolean(true)),
                            ITALIC => run.italic = matches!(value, ScalarValue::Boolean(true)),
                            LINK => run.link = href_of(value),
                            _ => {}
                        }
                    }
                }
                current.runs.push(run);
            }
        }
    }
    if started || !current.runs.is_empty() {
        blocks.push(current);
    }
    RichText { blocks }
}

fn block_kind_of(map: &automerge::hydrate::Map) -> BlockKind {
    use automerge::hydrate::Value as H;
    let ty = match map.get("type") {
        Some(H::Scalar(ScalarValue::Str(s))) => s.to_string(),
        _ => String::new(),
    };
    match ty.as_str() {
        "heading" => {
            let level = match map.get("attrs") {
                Some(H::Map(attrs)) => match attrs.get("level") {
                    Some(H::Scalar(ScalarValue::Int(l))) => *l,
                    Some(H::Scalar(ScalarValue::Uint(l))) => *l as i64,
                    _ => 1,
                },
                _ => 1,
            };
            BlockKind::Heading(level.clamp(1, 6) as u8)
        }
        "unordered-list-item" => BlockKind::UnorderedListItem,
        "ordered-list-item" => BlockKind::OrderedListItem,
        "blockquote" => BlockKind::Blockquote,
        _ => BlockKind::Paragraph,
    }
}

/// Apply or remove an inline format on `start..end`.
pub(crate) fn format<T: Transactable>(tx: &mut T, text: &ObjId, start: usize, end: usize, format: &Format, on: bool) -> Result<(), DocError> {
    let len = tx.length(text);
    if start > end || end > len {
        return Err(DocError::Range { start, end, len });
    }
    let (name, value, expand) = match format {
        Format::Bold => (BOLD, ScalarValue::Boolean(true), ExpandMark::After),
        Format::Italic => (ITALIC, ScalarValue::Boolean(true), ExpandMark::After),
        Format::Link(href) => {
            if !safe_href(href) {
                return Err(DocError::UnsafeLink(href.clone()));
            }
            (LINK, ScalarValue::Str(link_value(href).into()), ExpandMark::None)
        }
    };
    if on {
        tx.mark(text, Mark::new(name.to_owned(), value, start, end), expand)?;
    } else {
        tx.unmark(text, name, start, end, expand)?;
    }
    Ok(())
}

/// Make the block containing `index` (or starting at it) of kind `kind`,
/// inserting a block marker at `index` unless one is already there.
pub(crate) fn set_block<T: Transactable>(tx: &mut T, text: &ObjId, index: usize, kind: BlockKind) -> Result<(), DocError> {
    let len = tx.length(text);
    if index > len {
        return Err(DocError::Range { start: index, end: index, len });
    }
    let existing = match tx.get(text, index)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    };
    let block = match existing {
        Some(_) => tx.replace_block(text, index)?,
        None => tx.split_block(text, index)?,
    };
    tx.put(&block, "type", kind.type_name())?;
    tx.put_object(&block, "parents", ObjType::List)?;
    let attrs = tx.put_object(&block, "attrs", ObjType::Map)?;
    if let BlockKind::Heading(level) = kind {
        if !(1..=6).contains(&level) {
            return Err(DocError::HeadingLevel(level));
        }
        tx.put(&attrs, "level", i64::from(level))?;
    }
    Ok(())
}

/// Validate one block marker map.
pub(crate) fn validate_block<D: ReadDoc>(doc: &D, block: &ObjId, base: &str, r: &mut Report) {
    const TYPES: &[&str] = &["paragraph", "heading", "unordered-list-item", "ordered-list-item", "blockquote"];
    for key in doc.keys(block) {
        if !["type", "parents", "attrs", "isEmbed"].contains(&key.as_str()) {
            r.push(join(base, &key), "is not a known block field");
        }
    }
    match schema::get_str(doc, block, "type") {
        Some(t) if TYPES.contains(&t.as_str()) => {
            if t == "heading" {
                // Its value is checked with the other attributes below.
                let has_level = schema::get_obj(doc, block, "attrs", ObjType::Map).is_some_and(|a| schema::get(doc, &a, "level").is_some());
                if !has_level {
                    r.push(join(base, "attrs/level"), "a heading needs a level from 1 to 6");
                }
            }
        }
        Some(t) => r.push(join(base, "type"), format!("`{t}` is not a known block type")),
        None => r.push(join(base, "type"), "is missing"),
    }
    if let Some((v, id)) = schema::get(doc, block, "parents") {
        if schema::shape_of(&v) != Shape::List {
            r.push(join(base, "parents"), "should be a list");
        } else {
            for (i, item) in doc.list_range(&id, ..).enumerate() {
                if schema::shape_of(&item.value.into_value()) != Shape::Str {
                    r.push(join(base, &format!("parents/{i}")), "should be a string");
                }
            }
        }
    }
    match schema::get(doc, block, "attrs") {
        None => {}
        Some((Value::Object(ObjType::Map), attrs)) => {
            for key in doc.keys(&attrs) {
                if key != "level" {
                    r.push(join(base, &format!("attrs/{key}")), "is not a known block attribute");
                } else if !schema::get_i64(doc, &attrs, "level").is_some_and(|l| (1..=6).contains(&l)) {
                    r.push(join(base, "attrs/level"), "should be a heading level from 1 to 6");
                }
            }
        }
        Some(_) => r.push(join(base, "attrs"), "should be a map"),
    }
    if schema::get(doc, block, "isEmbed").is_some() && schema::get_bool(doc, block, "isEmbed").is_none() {
        r.push(join(base, "isEmbed"), "should be true or false");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_are_safe() {
        assert!(safe_href("https://example.org/a"));
        assert!(safe_href("mailto:a@b.c"));
        assert!(!safe_href("javascript:alert(1)"));
        assert!(!safe_href("  JavaScript:alert(1)"));
        assert!(!safe_href("data:text/html,hi"));
    }
}
