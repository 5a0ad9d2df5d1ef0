//! The language of Redress as values: ids, the vocabulary of a case (kinds, channels, sources,
//! statuses), the validated new complaint, masking of personal data, the Chinese formats a
//! registration carries (phones, identity documents, VINs, plates, cards, division codes,
//! amounts, names: [`formats`]), the clock, and the closed set of error codes every entry
//! point maps to.
//!
//! Pure and synchronous: no async runtime, no database, no wire format (nothing here derives
//! serde or prost; services convert at their edges). Start with [`complaint`].

pub mod clock;
pub mod complaint;
pub mod error;
pub mod ids;
pub mod masking;
pub mod formats;
pub mod particulars;
pub mod vocabulary;
pub mod lifecycle;

pub use clock::{Clock, SystemClock};
pub use error::{ErrorCode, FieldError};
pub use formats::FormatError;
pub use ids::{CaseId, Tenant};
