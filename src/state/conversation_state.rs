//! What we remember about one conversation: the last turn handed out and the running cost.

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ConversationMemo {
    pub last_turn: u64,
    pub total_cost: f64,
}

impl ConversationMemo {
    /// The turn for a trace new to this conversation: the application's number if it gave one (later automatic
    /// turns continue after it), else the next one.
    pub fn take_turn(&mut self, given: Option<u64>) -> u64 {
        let turn = given.unwrap_or(self.last_turn + 1);
        self.last_turn = self.last_turn.max(turn);
        turn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_count_up_and_given_turns_win() {
        let mut c = ConversationMemo::default();
        assert_eq!(c.take_turn(None), 1);
        assert_eq!(c.take_turn(None), 2);
        assert_eq!(c.take_turn(Some(5)), 5);
        assert_eq!(c.take_turn(None), 6);
        assert_eq!(c.take_turn(Some(3)), 3);
        assert_eq!(c.take_turn(None), 7);
    }
}
