//! Google Calendar: the adapter ([`google`]), the pure reconciler
//! ([`reconcile`]) and the sync that applies its plan ([`sync`]).

pub mod google;
pub mod reconcile;
pub mod sync;
