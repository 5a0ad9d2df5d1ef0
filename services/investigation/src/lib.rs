//! Investigation: the case file after dispatch.
