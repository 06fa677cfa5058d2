//! The plumbing under every route: the connection loop, reading bodies, form and JSON
//! decoding, XML replies, absolute URLs, Basic credentials, path globs and the namespace a request
//! chose.

pub mod auth;
pub mod base_url;
pub mod connection;
pub mod form;
pub mod glob;
pub mod json;
pub mod namespace;
pub mod options;
pub mod outcome;
pub mod path;
pub mod request_body;
pub mod xml;
