# The tutorial's messages (examples/tutorial/feedback.py), in English.

## The shopper's /feedback flow

feedback-usage = To rate a shop, send /feedback and its name, for example: /feedback Haidilao
feedback-no-shop = No shop is called “{ $words }”. Check the name and send /feedback again.
feedback-which-shop = Several shops match “{ $words }”: { $names }. Send /feedback with more of the name.
feedback-ask-stars = How was { $shop }? Tap the stars: 1 is poor, 5 is excellent.
feedback-star-button = { $stars } ★
feedback-stars-tap = Please tap one of the star buttons, or type a number from 1 to 5.
feedback-ask-comment = { $stars ->
    [one] 1 star
   *[other] { $stars } stars
} for { $shop }. Now write a short comment (up to { $max } characters).
feedback-comment-empty = Please write your comment as text (up to { $max } characters).
feedback-comment-too-long = That comment has { $length } characters; please keep it to { $max } and send it again.
feedback-comment-no-words = Please write a few words, not only emoji or symbols.
feedback-thanks = Thank you! Your feedback on { $shop } is saved, and its owner can read it.

## The owner's /reviews list

reviews-title = Latest feedback on { $shop }:
reviews-line = { $stars } { $date }: { $comment }
reviews-older = Older feedback
reviews-none = No feedback on { $shop } yet.
reviews-no-more = No older feedback on { $shop }.
