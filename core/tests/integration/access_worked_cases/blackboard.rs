//! Worked cases: Blackboard overwrite.

use super::*;

#[test]
fn blackboard_overwrite_on_a_folder_replaces_an_items_delete_with_read_and_write() {
    let mut e = olga();
    let kim = Subject::user("kim");
    e.add_grant(Grant::new(1, "pg", kim.clone(), Level::Remove))
        .unwrap();
    let removed = e
        .set_grant(Grant::new(2, "c", kim.clone(), Level::Write), true)
        .unwrap();
    assert_eq!(removed, vec![GrantId(1)]);
    let p = Principal::user("kim");
    assert_eq!(e.level(&p, &id("pg"), Timestamp(0)), Some(Level::Write));
    assert!(e.check(&p, Action::Write, &id("pg"), Timestamp(0)));
    assert!(!e.check(&p, Action::Delete, &id("pg"), Timestamp(0)));
    assert!(e.grants_on(&id("pg")).is_empty());
}

#[test]
fn blackboard_adding_manage_without_overwrite_keeps_an_items_delete_and_adds_manage() {
    let mut e = olga();
    let kim = Subject::user("kim");
    e.add_grant(Grant::new(1, "pg", kim.clone(), Level::Remove))
        .unwrap();
    let removed = e
        .set_grant(Grant::new(2, "c", kim.clone(), Level::Manage), false)
        .unwrap();
    assert!(removed.is_empty());
    let p = Principal::user("kim");
    assert_eq!(e.level(&p, &id("pg"), Timestamp(0)), Some(Level::Manage));
    assert_eq!(
        e.grants_on(&id("pg"))[0].level,
        Level::Remove,
        "the item keeps its explicit delete"
    );
    // …and once manage on the folder is revoked, delete on the item still stands.
    e.remove_grant(GrantId(2)).unwrap();
    assert!(e.check(&p, Action::Delete, &id("pg"), Timestamp(0)));
}
