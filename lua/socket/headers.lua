-- socket.headers: canonic capitalisation of HTTP and mail header field names.
--
-- Written for effect-luasocket. `canonic[lowercase name]` is the spelling to send; the HTTP
-- and SMTP helpers look names up here. It holds the same 91 names as LuaSocket's table
-- (checked against Debian's lua-socket 3.1.0 by test/lua/modules.test.ts). Like LuaSocket,
-- the module is also reachable as `require("socket").headers`.

local socket = require("socket")

local names = {
  "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Action",
  "Age", "Allow", "Alternate-Recipient", "Arrival-Date", "Authorization", "Bcc", "Cache-Control",
  "Cc", "Comments", "Connection", "Content-Description", "Content-Disposition",
  "Content-Encoding", "Content-ID", "Content-Language", "Content-Length", "Content-Location",
  "Content-MD5", "Content-Range", "Content-Transfer-Encoding", "Content-Type", "Cookie",
  "DSN-Gateway", "Date", "Diagnostic-Code", "ETag", "Expect", "Expires", "Final-Log-ID",
  "Final-Recipient", "From", "Host", "If-Match", "If-Modified-Since", "If-None-Match",
  "If-Range", "If-Unmodified-Since", "In-Reply-To", "Keywords", "Last-Attempt-Date",
  "Last-Modified", "Location", "MIME-Version", "Max-Forwards", "Message-ID",
  "Original-Envelope-ID", "Original-Recipient", "Pragma", "Proxy-Authenticate",
  "Proxy-Authorization", "Range", "Received", "Received-From-MTA", "References", "Referer",
  "Remote-MTA", "Reply-To", "Reporting-MTA", "Resent-Bcc", "Resent-Cc", "Resent-Date",
  "Resent-From", "Resent-Message-ID", "Resent-Reply-To", "Resent-Sender", "Resent-To",
  "Retry-After", "Return-Path", "SMTP-Remote-Recipient", "Sender", "Server", "Status", "Subject",
  "TE", "To", "Trailer", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary", "Via",
  "WWW-Authenticate", "Warning", "Will-Retry-Until", "X-Mailer",
}

local canonic = {}
for _, name in ipairs(names) do canonic[string.lower(name)] = name end

local M = { canonic = canonic }
socket.headers = M
return M
