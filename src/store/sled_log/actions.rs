//! The action port ([`ActionLog`]) as the sled log implements it.

use super::*;
use crate::store::ActionLog;

/// `action-reminders/{discord user id}`, empty: the owner asked for reminders.
const ACTION_REMINDERS: &str = "action-reminders/";
/// `action-reminded/{action id}/{due}`, empty: that reminder went out.
const ACTION_REMINDED: &str = "action-reminded/";

impl ActionLog for SledLog {
    fn actions(&self, meeting: Option<&str>) -> Result<Vec<Action>, StoreError> {
        let mut actions: Vec<Action> = self.scan(ACTION)?;
        actions.retain(|a| meeting.is_none_or(|m| a.meeting == m));
        Ok(actions)
    }

    fn action(&self, id: &str) -> Result<Option<Action>, StoreError> {
        self.get(&format!("{ACTION}{id}"))
    }

    fn put_action(&self, action: &Action) -> Result<(), StoreError> {
        action.validate().map_err(StoreError::Invalid)?;
        self.put(&format!("{ACTION}{}", action.id), action)
    }

    fn update_action(
        &self,
        id: &str,
        change: &mut dyn FnMut(&mut Action) -> bool,
    ) -> Result<(Action, bool), StoreError> {
        let key = format!("{ACTION}{id}");
        let updated = {
            let writing = self.write_lock();
            let old = self.db.get(&key).map_err(backend)?;
            let Some(old) = old else {
                return Err(StoreError::NotFound {
                    what: "action",
                    id: id.to_string(),
                });
            };
            let mut action: Action = decode(&key, &old)?;
            if !change(&mut action) {
                return Ok((action, false));
            }
            action.validate().map_err(StoreError::Invalid)?;
            let new = encode(&action)?;
            let mut batch = sled::Batch::default();
            let changes = stage_search(&mut batch, &key, Some(&old), Some(&new))?;
            batch.insert(key.as_bytes(), new);
            self.commit(&writing, batch, changes)?;
            action
        };
        self.flush()?;
        Ok((updated, true))
    }

    fn wants_action_reminders(&self, user_id: &str) -> Result<bool, StoreError> {
        self.db
            .contains_key(format!("{ACTION_REMINDERS}{user_id}"))
            .map_err(backend)
    }

    fn set_wants_action_reminders(&self, user_id: &str, wanted: bool) -> Result<(), StoreError> {
        let key = format!("{ACTION_REMINDERS}{user_id}");
        let _writing = self.write_lock();
        if wanted {
            self.db.insert(key, &[]).map_err(backend)?;
        } else {
            self.db.remove(key).map_err(backend)?;
        }
        drop(_writing);
        self.flush()
    }

    fn action_reminder_sent(&self, action_id: &str, due: NaiveDate) -> Result<bool, StoreError> {
        self.db
            .contains_key(format!("{ACTION_REMINDED}{action_id}/{due}"))
            .map_err(backend)
    }

    fn record_action_reminder(&self, action_id: &str, due: NaiveDate) -> Result<(), StoreError> {
        let key = format!("{ACTION_REMINDED}{action_id}/{due}");
        let writing = self.write_lock();
        self.db.insert(key, &[]).map_err(backend)?;
        drop(writing);
        self.flush()
    }
}
