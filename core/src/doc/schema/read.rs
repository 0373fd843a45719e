//! Reading fields: the shape of a value, typed getters, and a document's kind.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::{DocKind, keys};

/// What a field holds, for validation and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Str,
    Int,
    Num,
    Bool,
    Null,
    Text,
    Map,
    List,
    Other,
}

impl Shape {
    pub(super) fn name(self) -> &'static str {
        match self {
            Shape::Str => "a string",
            Shape::Int => "an integer",
            Shape::Num => "a number",
            Shape::Bool => "a boolean",
            Shape::Null => "null",
            Shape::Text => "text",
            Shape::Map => "a map",
            Shape::List => "a list",
            Shape::Other => "an unsupported value",
        }
    }
}

pub(crate) fn shape_of(v: &Value<'_>) -> Shape {
    match v {
        Value::Object(ObjType::Text) => Shape::Text,
        Value::Object(ObjType::Map) | Value::Object(ObjType::Table) => Shape::Map,
        Value::Object(ObjType::List) => Shape::List,
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(_) => Shape::Str,
            ScalarValue::Int(_) | ScalarValue::Uint(_) | ScalarValue::Timestamp(_) => Shape::Int,
            ScalarValue::F64(_) => Shape::Num,
            ScalarValue::Boolean(_) => Shape::Bool,
            ScalarValue::Null => Shape::Null,
            _ => Shape::Other,
        },
    }
}

pub(crate) fn get<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<(Value<'static>, ObjId)> {
    doc.get(obj, key).ok().flatten().map(|(v, id)| (v.into_owned(), id))
}

pub(crate) fn get_str<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn get_i64<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Some(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).ok(),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn get_f64<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<f64> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::F64(f) => Some(*f),
            ScalarValue::Int(i) => Some(*i as f64),
            ScalarValue::Uint(u) => Some(*u as f64),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn get_bool<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<bool> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Boolean(b) => Some(*b),
            _ => None,
        },
        _ => None,
    }
}

/// The object at `key` if it is of type `typ`.
pub(crate) fn get_obj<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str, typ: ObjType) -> Option<ObjId> {
    match doc.get(obj, key).ok().flatten()? {
        (Value::Object(t), id) if t == typ => Some(id),
        _ => None,
    }
}

/// The kind stored in a document, if it names one.
pub fn kind_of<D: ReadDoc>(doc: &D) -> Option<DocKind> {
    get_str(doc, &ROOT, keys::KIND).as_deref().and_then(DocKind::parse)
}
