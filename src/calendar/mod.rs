//! Google Calendar: the adapter ([`google`]), how it is built from the
//! config ([`connect`]) and the pure reconciler ([`reconcile`]); the sync
//! that applies its plan is a use case (`app::calendar_sync`).

pub mod connect;
pub mod google;
pub mod reconcile;
