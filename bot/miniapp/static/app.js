/* The Mini App storefront's behaviour: plain JavaScript, no build step.
   The page works without it (read-only, filters by form submission). Inside Telegram
   (launch data present) it adds: Follow and Claim, the detail view with BackButton and
   MainButton (Buy), filtering without reloads, the user's language and live theme.
   Every call carries the launch data (Authorization: tma <initData>); the server checks
   it and takes the user only from it. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("app-data").textContent);
  var tg = window.Telegram && window.Telegram.WebApp;
  var initData = (tg && tg.initData) || "";
  var inTelegram = initData.length > 0;
  var root = document.documentElement;
  var $ = function (id) { return document.getElementById(id); };
  var status = $("status");
  var currentDeal = null;

  function say(text) { status.textContent = text || ""; }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (inTelegram) headers["Authorization"] = "tma " + initData;
    if (body) headers["Content-Type"] = "application/json";
    var sep = path.indexOf("?") < 0 ? "?" : "&";
    return fetch(data.api + path + sep + "lang=" + data.lang, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
      credentials: "omit"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 401) { say(data.texts.refused); throw new Error("401"); }
        if (!r.ok) { say(j.message || data.texts.error); throw new Error(String(r.status)); }
        return j;
      });
    });
  }

  /* ---- theme: Telegram's colours (the SDK sets --tg-theme-*) and its scheme */
  function applyTheme() {
    if (tg && tg.colorScheme) root.setAttribute("data-theme", tg.colorScheme);
  }

  /* ---- language: the Telegram user's, unless the page was asked for one */
  function followLanguage() {
    if (!inTelegram || data.lang_chosen) return false;
    var user = tg.initDataUnsafe && tg.initDataUnsafe.user;
    var code = ((user && user.language_code) || "").toLowerCase();
    var wanted = code.indexOf("zh") === 0 ? "zh" : (code ? "en" : data.lang);
    if (wanted === data.lang) return false;
    var url = new URL(location.href);
    url.searchParams.set("lang", wanted);
    location.replace(url.pathname + url.search + location.hash);
    return true;
  }

  /* ---- the list: filters and "show more" fetch rendered items */
  function query(offset) {
    var form = $("filters");
    var params = new URLSearchParams();
    ["category", "min", "max", "sort"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) params.set(name, value);
    });
    if (offset) params.set("offset", offset);
    return "/shop/" + data.slug + "/deals?" + params.toString();
  }

  function showPage(page, append) {
    var list = $("deals");
    if (append) list.insertAdjacentHTML("beforeend", page.html);
    else list.innerHTML = page.html;
    $("count").textContent = page.count_text;
    $("none").hidden = page.total > 0;
    var more = $("more");
    more.hidden = page.next_offset === null;
    more.dataset.offset = page.next_offset === null ? "" : page.next_offset;
  }

  $("filters").addEventListener("submit", function (event) {
    event.preventDefault();
    api("GET", query(0)).then(function (page) { showPage(page, false); }).catch(function () {});
  });
  $("more").addEventListener("click", function () {
    api("GET", query($("more").dataset.offset)).then(function (page) {
      showPage(page, true);
    }).catch(function () {});
  });

  /* ---- the detail view, with Telegram's BackButton and MainButton */
  function buyTexts() {
    var article = document.querySelector(".deal-detail");
    return article ? JSON.parse(article.dataset.buy) : [];
  }

  function quantity() {
    var select = $("quantity");
    return select ? parseInt(select.value, 10) : 1;
  }

  function showDetail(html) {
    var detail = $("detail");
    detail.innerHTML = html;
    detail.hidden = false;
    $("shop").hidden = true;
    currentDeal = parseInt(detail.querySelector(".deal-detail").dataset.deal, 10);
    window.scrollTo(0, 0);
    $("detail-title").focus();
    wireDetail();
  }

  function wireDetail() {
    var detail = $("detail");
    var back = detail.querySelector(".back");
    if (back) back.addEventListener("click", function (event) {
      event.preventDefault(); showShop();
    });
    var buy = $("buy");
    var select = $("quantity");
    if (!buy || !inTelegram) return;
    buy.hidden = false;
    var texts = buyTexts();
    function label() {
      var text = texts[quantity() - 1] || texts[0];
      buy.textContent = text;
      if (tg.MainButton) tg.MainButton.setText(text);
    }
    select.addEventListener("change", label);
    buy.addEventListener("click", startBuying);
    if (tg.BackButton) tg.BackButton.show();
    if (tg.MainButton) { label(); tg.MainButton.show(); }
  }

  function showShop() {
    $("detail").hidden = true;
    $("detail").innerHTML = "";
    $("shop").hidden = false;
    currentDeal = null;
    if (inTelegram) { tg.BackButton.hide(); tg.MainButton.hide(); }
    var link = document.querySelector('[data-deal].last-opened');
    if (link) link.focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.deal-link");
    if (!link) return;
    event.preventDefault();
    document.querySelectorAll(".last-opened").forEach(function (el) { el.classList.remove("last-opened"); });
    link.classList.add("last-opened");
    api("GET", "/deal/" + link.dataset.deal).then(function (deal) { showDetail(deal.html); })
      .catch(function () {});
  });

  /* ---- buying: the order is made by the server, the payment opened here */
  function startBuying() {
    if (currentDeal === null) return;
    say(data.texts.paying);
    if (tg.MainButton) tg.MainButton.showProgress(false);
    api("POST", "/buy", { deal_id: currentDeal, quantity: quantity() }).then(function (paid) {
      say(paid.message);
      if (paid.invoice_url) {  // Telegram Payments: Telegram's own payment sheet
        tg.openInvoice(paid.invoice_url, function (status) {
          var text = { paid: "paid", cancelled: "pay-cancelled", failed: "pay-failed" }[status];
          if (text) say(data.texts[text]);
        });
      } else if (paid.pay_url) {
        tg.openLink(paid.pay_url);
      }
    }).catch(function () {}).then(function () {
      if (tg.MainButton) tg.MainButton.hideProgress();
    });
  }

  /* ---- follow and claim */
  function wireActions() {
    var follow = $("follow");
    follow.hidden = false;
    follow.addEventListener("click", function () {
      api("POST", "/follow", { merchant_id: data.merchant_id }).then(function (done) {
        say(done.message);
        setFollowing(true);
      }).catch(function () {});
    });
    document.querySelectorAll("button.claim").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        api("POST", "/claim", { template_id: parseInt(button.dataset.template, 10) })
          .then(function (done) { say(done.message); }).catch(function () {});
      });
    });
    showStores("");
  }

  /* ---- stores nearest first: the place Telegram's LocationManager gives, else the
     last location shared in the chat (the server knows it) */
  function showStores(place) {
    api("GET", "/me?slug=" + encodeURIComponent(data.slug) + place).then(function (me) {
      setFollowing(me.following);
      if (!me.by_distance) return;
      $("stores").innerHTML = me.html;
      $("by-distance").hidden = false;
    }).catch(function () {});
  }

  function useLocation(location) {
    if (!location) return;
    $("near-me").hidden = true;
    showStores("&lat=" + location.latitude.toFixed(6) + "&lon=" + location.longitude.toFixed(6));
  }

  function wireLocation() {
    var places = tg.LocationManager;
    if (!places || !tg.isVersionAtLeast || !tg.isVersionAtLeast("8.0")) return;
    places.init(function () {
      if (!places.isLocationAvailable) return;
      if (places.isAccessGranted) { places.getLocation(useLocation); return; }
      var button = $("near-me");
      button.hidden = false;  // asking is the user's choice
      button.addEventListener("click", function () { places.getLocation(useLocation); });
    });
  }

  /* ---- opened on a deal: the start parameter of a direct link (startapp=deal_12) */
  function openStartDeal() {
    var start = (tg.initDataUnsafe && tg.initDataUnsafe.start_param) || "";
    var match = /^deal_([0-9]{1,12})$/.exec(start);
    if (!match || !$("detail").hidden) return;
    api("GET", "/deal/" + match[1]).then(function (deal) { showDetail(deal.html); })
      .catch(function () {});
  }

  function setFollowing(yes) {
    var follow = $("follow");
    follow.textContent = yes ? follow.dataset.following : follow.dataset.follow;
    follow.setAttribute("aria-pressed", yes ? "true" : "false");
  }

  /* ---- a photo that cannot be shown leaves the category's emoji under it */
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img && img.tagName === "IMG" && img.classList.contains("photo")) img.remove();
  }, true);
  document.querySelectorAll("img.photo").forEach(function (img) {  // failed before we ran
    if (img.complete && img.naturalWidth === 0) img.remove();
  });

  /* ---- start */
  if (tg) {
    applyTheme();
    tg.onEvent("themeChanged", applyTheme);
  }
  if (!inTelegram) return;  // a plain browser: read-only, as the server drew it
  if (followLanguage()) return;
  root.classList.add("in-telegram");
  tg.ready();
  tg.expand();
  tg.BackButton.onClick(showShop);
  tg.MainButton.onClick(startBuying);
  wireActions();
  wireLocation();
  if (!$("detail").hidden) wireDetail();
  openStartDeal();
})();
