//! What a test does to the fake Discord: refusals and faults to inject, and the users,
//! clicks, commands and gateway events it sends to the bot.

use super::*;

impl FakeDiscord {
    // ---- test controls ----------------------------------------------------------------------

    /// From now on, refuse (400) scheduled events that start before `instant`, as Discord
    /// refuses events in the past. Off by default, so a test with a fixed clock does not
    /// depend on the real one.
    pub(crate) fn refuse_events_before(&self, instant: Option<DateTime<Utc>>) {
        self.shared.update(|s| s.refuse_events_before = instant);
    }

    /// From now on, refuse to create threads (403, Missing Permissions), as Discord does
    /// for a bot without the permission.
    pub(crate) fn refuse_threads(&self, refuse: bool) {
        self.shared.update(|s| s.refuse_threads = refuse);
    }

    /// From now on, refuse the bot's token (401), as after a reset in the portal.
    pub(crate) fn reject_token(&self) {
        self.shared.update(|s| s.reject_token = true);
    }

    /// From now on, the bot is not in the guild.
    pub(crate) fn leave_guild(&self) {
        self.shared.update(|s| s.outside_guild = true);
    }

    /// The text channel's permissions deny the bot's role these bits.
    pub(crate) fn deny_in_text_channel(&self, bits: u64) {
        self.shared.update(|s| s.text_channel_deny = bits);
    }

    /// The threads created so far, in order.
    pub(crate) fn threads(&self) -> Vec<Value> {
        self.shared.lock().threads.clone()
    }

    /// The Discord client language of the user in the interactions sent from now on ("ja" by
    /// default; e.g. "en-US").
    pub(crate) fn set_user_locale(&self, locale: &str) {
        self.shared
            .update(|s| s.user_locale = Some(locale.to_owned()));
    }

    /// Answer every IDENTIFY by closing the gateway with 4004 (Authentication failed), as
    /// Discord does for a wrong token.
    /// The heartbeat interval the next HELLO announces (before the bot connects).
    pub(crate) fn set_heartbeat_interval(&self, interval: Duration) {
        self.shared
            .update(|s| s.heartbeat_interval_ms = Some(interval.as_millis() as u64));
    }

    /// When each heartbeat arrived, in order.
    pub(crate) fn heartbeats(&self) -> Vec<std::time::Instant> {
        self.shared.lock().heartbeats.clone()
    }

    pub(crate) fn reject_identify(&self, reject: bool) {
        self.shared.update(|s| s.reject_identify = reject);
    }

    /// Closes the bot's gateway connection with code 4000, as Discord does now and then; the
    /// bot is expected to connect again (the fake refuses RESUME, so it identifies again).
    pub(crate) fn drop_gateway(&self) {
        let sender = self.wait_for(
            "an identified gateway session",
            Duration::from_secs(10),
            |s| s.0.session.as_ref().map(|(_, tx)| tx.clone()),
        );
        let _ = sender.send(Outgoing::Close(4000));
    }

    /// Renames `user_id` on the server (its nickname): what members see from now on.
    pub(crate) fn set_nickname(&self, user_id: u64, nick: &str) {
        self.shared
            .update(|s| s.nicknames.insert(user_id, nick.to_owned()));
    }

    /// Like [`FakeDiscord::send_slash_command`] for a command whose options name server
    /// members (USER options, type 6): Discord sends those members in `data.resolved`.
    pub(crate) fn send_slash_command_naming(
        &self,
        name: &str,
        options: Value,
        named: &[u64],
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        let nicknames = self.shared.lock().nicknames.clone();
        let users: serde_json::Map<String, Value> = named
            .iter()
            .map(|id| (id.to_string(), user_json(*id)))
            .collect();
        let members: serde_json::Map<String, Value> = named
            .iter()
            .map(|id| {
                let mut member = member_json(*id, &[], nicknames.get(id).map(String::as_str));
                member.as_object_mut().unwrap().remove("user");
                (id.to_string(), member)
            })
            .collect();
        self.send_slash_command_with(
            name,
            options,
            json!({ "users": users, "members": members }),
            user_id,
            roles,
        )
    }

    /// Sends INTERACTION_CREATE for the registered slash command `name` (type 2) from a guild
    /// member. `options` is Discord's `data.options`, e.g. for `/rsvp status status:<choice 0>`:
    /// `json!([{"name":"status","type":1,"options":[{"name":"status","type":4,"value":0}]}])`.
    /// Returns the interaction id.
    pub(crate) fn send_slash_command(
        &self,
        name: &str,
        options: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        self.send_slash_command_with(name, options, Value::Null, user_id, roles)
    }

    /// Sends the autocomplete request (type 4) Discord sends while `options` are typed: the
    /// option being typed carries `"focused": true`. The answer is a callback of type 8 with
    /// `data.choices`. Returns the interaction id.
    pub(crate) fn send_autocomplete(
        &self,
        name: &str,
        options: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        self.send_command_interaction(4, name, options, Value::Null, user_id, roles)
    }

    fn send_slash_command_with(
        &self,
        name: &str,
        options: Value,
        resolved: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        self.send_command_interaction(2, name, options, resolved, user_id, roles)
    }

    fn send_command_interaction(
        &self,
        kind: u8,
        name: &str,
        options: Value,
        resolved: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        let command_id = self.wait_for(
            &format!("the command /{name} to be registered"),
            Duration::from_secs(10),
            |s| {
                s.0.commands
                    .iter()
                    .find(|c| c["name"] == name)
                    .and_then(|c| c["id"].as_str().map(str::to_owned))
            },
        );
        let specific = json!({
            "type": kind,
            "data": {
                "id": command_id,
                "name": name,
                "type": 1,
                "options": options,
                "guild_id": GUILD_ID.to_string(),
            },
        });
        let mut specific = specific;
        if !resolved.is_null() {
            specific["data"]["resolved"] = resolved;
        }
        self.send_interaction(kind, TEXT_CHANNEL_ID, None, user_id, roles, specific)
    }

    /// Sends INTERACTION_CREATE for a click (type 3) on the button `custom_id` of `message`
    /// (a message as returned by [`FakeDiscord::messages`]). Returns the interaction id.
    pub(crate) fn click_button(&self, message: &Value, custom_id: &str, user_id: u64) -> u64 {
        self.click_button_with_roles(message, custom_id, user_id, &[])
    }

    /// [`FakeDiscord::click_button`] by a member holding `roles`.
    pub(crate) fn click_button_with_roles(
        &self,
        message: &Value,
        custom_id: &str,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        let channel_id = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("the message has a channel_id");
        let message_id = message["id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("the message has an id");
        let has_button = message["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().into_iter().flatten())
            .any(|c| c["custom_id"] == custom_id);
        assert!(
            has_button,
            "fake Discord: the message has no button {custom_id:?}: {message}"
        );
        let specific = json!({
            "type": 3,
            "data": { "custom_id": custom_id, "component_type": 2 },
            "message": message,
        });
        self.send_interaction(3, channel_id, Some(message_id), user_id, roles, specific)
    }

    /// Sends INTERACTION_CREATE for the submit (type 5) of the modal `custom_id` with text
    /// inputs `(custom_id, value)`. For a modal opened by poise's `Modal::execute`, the modal's
    /// custom id is the id of the interaction that opened it (see the callback's
    /// `data.custom_id`). Returns the interaction id.
    pub(crate) fn submit_modal(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
        user_id: u64,
    ) -> u64 {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| {
                json!({
                    "type": 1,
                    "components": [{ "type": 4, "custom_id": id, "value": value }],
                })
            })
            .collect();
        let specific = json!({
            "type": 5,
            "data": { "custom_id": custom_id, "components": rows },
        });
        self.send_interaction(5, TEXT_CHANNEL_ID, None, user_id, &[], specific)
    }

    /// Sends any gateway dispatch event to the identified bot.
    pub(crate) fn dispatch(&self, event: &str, data: Value) {
        let sender = self.wait_for(
            "an identified gateway session",
            Duration::from_secs(10),
            |s| s.0.session.as_ref().map(|(_, tx)| tx.clone()),
        );
        let sent = sender.send(Outgoing::Dispatch {
            event: event.to_owned(),
            data,
        });
        if sent.is_err() {
            panic!(
                "fake Discord: the gateway session closed before {event} could be sent\n{}",
                self.shared.lock().dump()
            );
        }
    }

    fn send_interaction(
        &self,
        kind: u8,
        channel_id: u64,
        message_id: Option<u64>,
        user_id: u64,
        roles: &[u64],
        specific: Value,
    ) -> u64 {
        let (id, token, locale, nick) = self.shared.update(|s| {
            let id = s.new_id();
            let token = format!("fake-interaction-token-{id}");
            s.interactions.insert(
                id,
                SentInteraction {
                    token: token.clone(),
                    kind,
                    channel_id,
                    message_id,
                },
            );
            let locale = s.user_locale.clone().unwrap_or_else(|| "ja".to_owned());
            (id, token, locale, s.nicknames.get(&user_id).cloned())
        });
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "guild_id": GUILD_ID.to_string(),
            "channel_id": channel_id.to_string(),
            "channel": { "id": channel_id.to_string(), "type": 0, "name": "general" },
            "member": member_json(user_id, roles, nick.as_deref()),
            "token": token,
            "version": 1,
            "app_permissions": "2248473465835073",
            "locale": locale,
            "guild_locale": "ja",
            "entitlements": [],
            "authorizing_integration_owners": { "0": GUILD_ID.to_string() },
            "context": 0,
            "attachment_size_limit": 10_485_760,
        });
        for (k, v) in specific.as_object().expect("an object") {
            interaction[k] = v.clone();
        }
        self.dispatch("INTERACTION_CREATE", interaction);
        id
    }
}
