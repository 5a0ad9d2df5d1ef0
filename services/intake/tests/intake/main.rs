//! Intake's integration tests, one binary (the workspace keeps one per crate): the e-mail
//! channel against a real IMAP server (`mailbox`), the customer system's HTTP adapter against a
//! local stand-in (`customers`).

mod customers;
mod mailbox;
