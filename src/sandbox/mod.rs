//! What the test suite sees: the namespaces, the control plane, the live feed of changes, the
//! request journal, fault injection, the starting data, the front page and the dashboard.

pub mod admin;
pub mod control;
pub mod events;
pub mod faults;
pub mod fixtures;
pub mod home;
pub mod journal;
pub mod namespaces;
pub mod ui;
