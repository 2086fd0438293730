package model

import "zhdj/internal/learning"

// LearningProgress is a person's progress with the item it is on, when a
// list has loaded the items for the whole page (nil: loaded when asked).
type LearningProgress struct {
	*learning.Progress
	Item ContentItem
	// Loaded: Item was looked up (and is nil when the item is not visible).
	Loaded bool
}

// Suggestion is a "for you" item with the item itself, loaded for the
// whole page.
type Suggestion struct {
	*learning.Suggestion
	Content ContentItem
}
