//! Notification: notices to complainants and staff.
