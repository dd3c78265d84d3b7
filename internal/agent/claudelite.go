package agent

import "encoding/json"

// liteEvent reads a stream-json line of the two types that make up nearly
// all of a session, assistant and user messages, with the scanner instead
// of encoding/json: it fills only the fields of ev that assistant and user
// read, with encoding/json's decoding rules (last duplicate wins, keys
// match case-insensitively, a value of the wrong type leaves its field as
// it was). It returns false for any other line (not an object, another
// type, a tape that is not complete), which the full decode handles. t
// holds the line, which was found valid JSON.
func (p *claudeParser) liteEvent(t *jsonTape, ev *claudeEvent) bool {
	if !t.complete {
		return false
	}
	var typ, session, parent, errv []byte
	msgs := p.msgVals[:0]
	t.members(0, func(m jsonMember) {
		switch {
		case m.is("type"):
			typ = m.val
		case m.is("session_id"):
			session = m.val
		case m.is("parent_tool_use_id"):
			parent = m.val
		case m.is("error"):
			errv = m.val
		case m.is("message"):
			msgs = append(msgs, m.node)
		}
	})
	p.msgVals = msgs
	typS, _ := jsonStr(typ)
	if typS != "assistant" && typS != "user" {
		return false
	}
	ev.Type = typS
	ev.SessionID, _ = p.sessions.str(session)
	if parent != nil {
		// Only a non-empty string matters (a subagent's message).
		p.parent, _ = jsonStr(parent)
		ev.ParentToolUseID = &p.parent
	}
	if errv != nil {
		ev.Error = json.RawMessage(errv)
	}
	if typS == "assistant" || p.em.enabled() {
		for _, k := range msgs {
			p.liteMessage(t, k, ev)
		}
	}
	return true
}

// liteMessage reads the message member: its model and content blocks.
// A second "message" member updates the first, as encoding/json does with
// a pointer it already allocated.
func (p *claudeParser) liteMessage(t *jsonTape, k int, ev *claudeEvent) {
	if string(t.raw(k)) == "null" {
		ev.Message = nil
		return
	}
	if ev.Message == nil {
		p.msg = claudeMessage{Content: p.msg.Content[:0]}
		ev.Message = &p.msg
	}
	msg := ev.Message
	t.members(k, func(m jsonMember) {
		switch {
		case m.is("model"):
			if s, ok := p.models.str(m.val); ok {
				msg.Model = s
			}
		case m.is("content"):
			msg.Content = liteContent(msg.Content[:0], t, m.node)
		}
	})
}

// liteContent decodes a message's content as claudeContent.UnmarshalJSON
// does: a string is one text block, an array holds blocks (elements that
// are not objects stay empty), anything else is no content.
func liteContent(dst []claudeBlock, t *jsonTape, k int) []claudeBlock {
	v := t.raw(k)
	switch {
	case len(v) > 0 && v[0] == '"':
		if s, ok := jsonStr(v); ok {
			return append(dst, claudeBlock{Type: "text", Text: s})
		}
		return nil
	case len(v) > 0 && v[0] == '[':
		t.elems(k, func(elem int) {
			dst = append(dst, liteBlock(t, elem))
		})
		if dst == nil {
			dst = []claudeBlock{}
		}
		return dst
	}
	return nil
}

func liteBlock(t *jsonTape, k int) claudeBlock {
	var c claudeBlock
	t.members(k, func(m jsonMember) {
		str := func(dst *string) {
			if s, ok := jsonStr(m.val); ok {
				*dst = s
			}
		}
		switch {
		case m.is("type"):
			str(&c.Type)
		case m.is("text"):
			str(&c.Text)
		case m.is("thinking"):
			str(&c.Thinking)
		case m.is("id"):
			str(&c.ID)
		case m.is("name"):
			str(&c.Name)
		case m.is("input"):
			c.Input = json.RawMessage(m.val)
		case m.is("tool_use_id"):
			str(&c.ToolUseID)
		case m.is("content"):
			c.Content = json.RawMessage(m.val)
		case m.is("is_error"):
			if b, ok := jsonBool(m.val); ok {
				c.IsError = b
			}
		}
	})
	return c
}

// strCache remembers the last string a member decoded to: the session id
// and the model repeat on every line of a session, and decoding them again
// was an allocation per line each.
type strCache struct {
	raw []byte
	s   string
	ok  bool
}

// str decodes v as jsonStr does, or returns the last result if v is the
// same value.
func (c *strCache) str(v []byte) (string, bool) {
	if c.raw != nil && string(v) == string(c.raw) {
		return c.s, c.ok
	}
	c.s, c.ok = jsonStr(v)
	c.raw = append(c.raw[:0], v...)
	return c.s, c.ok
}
