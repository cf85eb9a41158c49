//! Imports through the API take turns: one runs (it holds a staged file and,
//! once parsed, a whole document), a few wait for their turn before a byte of
//! their body is read, and any more are refused at once (409), so parallel or
//! half-sent uploads can hold neither memory nor descriptors.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Imports waiting for their turn at most; each holds only its connection.
const MAX_WAITING: usize = 8;

pub(crate) struct ImportTurns {
    /// One for the import that runs and one for each that waits.
    places: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

/// The turn to import; the next one's starts when it is dropped.
pub(crate) struct Turn {
    _place: OwnedSemaphorePermit,
    _running: OwnedSemaphorePermit,
}

impl ImportTurns {
    pub(crate) fn new() -> Self {
        Self {
            places: Arc::new(Semaphore::new(1 + MAX_WAITING)),
            running: Arc::new(Semaphore::new(1)),
        }
    }

    /// Waits for this import's turn; `None` at once when the line is full.
    pub(crate) async fn take(&self) -> Option<Turn> {
        let place = self.places.clone().try_acquire_owned().ok()?;
        let running = self.running.clone().acquire_owned().await.ok()?;
        Some(Turn {
            _place: place,
            _running: running,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_runs_a_few_wait_and_the_rest_are_refused() {
        let turns = Arc::new(ImportTurns::new());
        let first = turns.take().await.expect("the first runs at once");
        let waiting: Vec<_> = (0..MAX_WAITING)
            .map(|_| {
                let turns = turns.clone();
                tokio::spawn(async move { turns.take().await.is_some() })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(turns.take().await.is_none(), "the line is full");
        drop(first);
        for waiter in waiting {
            assert!(waiter.await.unwrap(), "each waiting import gets its turn");
        }
        assert!(turns.take().await.is_some());
    }
}
