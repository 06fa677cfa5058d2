//! paymock's integration tests: one binary, a fresh database per test.

mod admin;
mod binary;
mod click2mail;
mod concurrency;
mod crash;
mod events;
mod faults;
mod harness;
mod helpers;
mod hostile;
mod hostway;
mod namespaces;
mod one_meaning;
mod properties;
mod races;
mod real_clients;
mod routing;
mod security;
mod snapshots;
mod startup;
mod ui;
