# 教程示例的文案（examples/tutorial/feedback.py），中文。

## 顾客的 /feedback 流程

feedback-usage = 给店铺评分：发送 /feedback 加店名，例如 /feedback 海底捞
feedback-no-shop = 没有找到名为「{ $words }」的店铺。请检查店名后重新发送 /feedback。
feedback-which-shop = 有多家店铺与「{ $words }」相符：{ $names }。请用更完整的店名重新发送 /feedback。
feedback-ask-stars = { $shop } 怎么样？请点星级：1 星很差，5 星很好。
feedback-star-button = { $stars } 星
feedback-stars-tap = 请点下面的星级按钮，或输入 1 到 5 的数字。
feedback-ask-comment = 给 { $shop } { $stars } 星。请再写一句评价（不超过 { $max } 字）。
feedback-comment-empty = 请用文字写下评价（不超过 { $max } 字）。
feedback-comment-too-long = 这条评价有 { $length } 字，请精简到 { $max } 字以内后重新发送。
feedback-comment-no-words = 请写几个字，不要只发表情或符号。
feedback-thanks = 谢谢！你对 { $shop } 的评价已保存，店主可以看到。

## 店主的 /reviews 列表

reviews-title = { $shop } 最新评价：
reviews-line = { $stars } { $date }：{ $comment }
reviews-older = 更早的评价
reviews-none = { $shop } 还没有评价。
reviews-no-more = { $shop } 没有更早的评价了。
