/*
 * Bekitu's client for NCALayer, the desktop signing application of Kazakhstan's National
 * Certification Authority, over its local websocket (wss://127.0.0.1:13579 by default).
 * In the demo, `bekitu eds ncalayer-dev` answers the same protocol with a test key.
 *
 * Use (a classic script; it defines window.BekituNCALayer):
 *
 *   const signed = await BekituNCALayer.signXml(xml);          // connect, sign, close
 *
 *   const client = new BekituNCALayer.Client({ url: "ws://127.0.0.1:13579" });
 *   const version = await client.connect();
 *   const signed = await client.signXml(xml, { storageType: "PKCS12", keyType: "SIGNATURE" });
 *   client.close();
 *
 * The address comes from the `url` option, else from <meta name="bekitu-ncalayer-url">,
 * else NCALayer's own. Every failure rejects with a BekituNCALayer.NCALayerError whose `code`
 * is one of: "unavailable" (nothing listens), "closed", "timeout", "busy", "protocol",
 * "canceled" (the person closed NCALayer's dialog) or "refused" (NCALayer's own error; its
 * text is in `detail`). Pages show their own translated text for each code; `message` is an
 * English fallback, passed through gettext when Django's JavaScript catalogue is loaded.
 */
(function (global) {
  "use strict";

  var DEFAULT_URL = "wss://127.0.0.1:13579";
  var MODULE = "kz.gov.pki.knca.commonUtils";
  var DEFAULT_TIMEOUT_MS = 5 * 60 * 1000; // the person picks a key file and types a password

  var MESSAGES = {
    unavailable:
      "NCALayer is not running or cannot be reached. Start NCALayer and try again.",
    closed: "NCALayer closed the connection before answering.",
    timeout: "NCALayer did not answer in time.",
    busy: "NCALayer is already busy with another request from this page.",
    protocol: "NCALayer sent an answer this page does not understand.",
    canceled: "Signing was cancelled.",
    refused: "NCALayer could not sign the document.",
  };

  function translate(text) {
    return typeof global.gettext === "function" ? global.gettext(text) : text;
  }

  function NCALayerError(code, detail) {
    var error = new Error(translate(MESSAGES[code] || MESSAGES.refused));
    error.name = "NCALayerError";
    error.code = code;
    error.detail = detail || "";
    Object.setPrototypeOf(error, NCALayerError.prototype);
    return error;
  }
  NCALayerError.prototype = Object.create(Error.prototype);
  NCALayerError.prototype.constructor = NCALayerError;

  function configuredUrl() {
    var meta = global.document && global.document.querySelector('meta[name="bekitu-ncalayer-url"]');
    return (meta && meta.getAttribute("content")) || DEFAULT_URL;
  }

  function Client(options) {
    options = options || {};
    this.url = options.url || configuredUrl();
    this.timeoutMs = options.timeoutMs || DEFAULT_TIMEOUT_MS;
    this.socket = null;
    this.pending = null;
  }

  // One request at a time, as NCALayer answers in order and without request ids.
  Client.prototype._expect = function (onMessage) {
    var self = this;
    if (self.pending) {
      return Promise.reject(NCALayerError("busy"));
    }
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        finish(reject, NCALayerError("timeout"));
      }, self.timeoutMs);
      function finish(settle, value) {
        clearTimeout(timer);
        self.pending = null;
        settle(value);
      }
      self.pending = {
        message: function (data) {
          var parsed;
          try {
            parsed = JSON.parse(data);
          } catch (e) {
            finish(reject, NCALayerError("protocol", String(data).slice(0, 200)));
            return;
          }
          onMessage(parsed, function (v) { finish(resolve, v); }, function (e) { finish(reject, e); });
        },
        fail: function (error) {
          finish(reject, error);
        },
      };
    });
  };

  Client.prototype._dispatch = function (event) {
    if (event.data === "--heartbeat--" || !this.pending) {
      return;
    }
    this.pending.message(event.data);
  };

  Client.prototype._fail = function (code) {
    if (this.pending) {
      this.pending.fail(NCALayerError(code));
    }
  };

  /** Open the connection; resolves with NCALayer's version. */
  Client.prototype.connect = function () {
    var self = this;
    if (self.socket) {
      return Promise.reject(NCALayerError("busy"));
    }
    var answer = self._expect(function (message, resolve, reject) {
      if (message && message.result && message.result.version) {
        resolve(message.result.version);
      } else {
        reject(NCALayerError("protocol"));
      }
    });
    var opened = false;
    try {
      self.socket = new global.WebSocket(self.url);
    } catch (e) {
      self._fail("unavailable");
      return answer;
    }
    self.socket.onopen = function () { opened = true; };
    self.socket.onmessage = function (event) { self._dispatch(event); };
    self.socket.onerror = function () { self._fail(opened ? "closed" : "unavailable"); };
    self.socket.onclose = function () {
      self._fail(opened ? "closed" : "unavailable");
      self.socket = null;
    };
    return answer;
  };

  /** Call a method of kz.gov.pki.knca.commonUtils; resolves with its responseObject. */
  Client.prototype.call = function (method, args) {
    var self = this;
    if (!self.socket || self.socket.readyState !== 1) {
      return Promise.reject(NCALayerError("unavailable"));
    }
    var answer = self._expect(function (message, resolve, reject) {
      if (message && message.code === "200") {
        resolve(message.responseObject);
      } else if (message && /cancel/i.test(String(message.message || ""))) {
        reject(NCALayerError("canceled", message.message));
      } else if (message && message.code) {
        reject(NCALayerError("refused", message.code + ": " + (message.message || "")));
      } else {
        reject(NCALayerError("protocol"));
      }
    });
    self.socket.send(JSON.stringify({ module: MODULE, method: method, args: args || [] }));
    return answer;
  };

  /**
   * Sign an XML document (an enveloped XML-DSig over the whole document by default).
   * options: storageType ("PKCS12"), keyType ("SIGNATURE"), tbsElementXPath (""),
   * signatureParentElementXPath ("").
   */
  Client.prototype.signXml = function (xml, options) {
    options = options || {};
    return this.call("signXml", [
      options.storageType || "PKCS12",
      options.keyType || "SIGNATURE",
      xml,
      options.tbsElementXPath || "",
      options.signatureParentElementXPath || "",
    ]);
  };

  Client.prototype.close = function () {
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close();
      this.socket = null;
    }
  };

  /** Connect, sign one XML document, close. options: those of Client and of signXml. */
  function signXml(xml, options) {
    var client = new Client(options);
    return client
      .connect()
      .then(function () { return client.signXml(xml, options); })
      .then(
        function (signed) { client.close(); return signed; },
        function (error) { client.close(); throw error; }
      );
  }

  global.BekituNCALayer = {
    Client: Client,
    NCALayerError: NCALayerError,
    signXml: signXml,
    DEFAULT_URL: DEFAULT_URL,
  };
})(typeof window !== "undefined" ? window : this);
