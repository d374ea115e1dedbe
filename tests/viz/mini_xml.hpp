#pragma once
// A small strict XML reader for the SVG tests: enough of XML 1.0 to reject anything malformed
// that tabrl could plausibly emit (unclosed or mismatched tags, bad attributes, raw '<' or '&'
// in text, unknown entities, two roots) and to give back a tree to count and read.

#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mini_xml {

struct Node {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // decoded character data directly inside this element
  std::vector<std::unique_ptr<Node>> children;

  [[nodiscard]] std::string attr(const std::string& key) const {
    auto it = attrs.find(key);
    if (it == attrs.end()) throw std::runtime_error("no attribute " + key + " on <" + name + ">");
    return it->second;
  }
  [[nodiscard]] bool has_class(std::string_view c) const {
    auto it = attrs.find("class");
    return it != attrs.end() && it->second == c;
  }
  /// Every descendant (depth first, document order) satisfying pred.
  void collect(const std::function<bool(const Node&)>& pred, std::vector<const Node*>& out) const {
    for (const auto& ch : children) {
      if (pred(*ch)) out.push_back(ch.get());
      ch->collect(pred, out);
    }
  }
  [[nodiscard]] std::vector<const Node*> find(std::string_view element, std::string_view cls = "") const {
    std::vector<const Node*> out;
    collect([&](const Node& n) { return n.name == element && (cls.empty() || n.has_class(cls)); }, out);
    return out;
  }
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::unique_ptr<Node> document() {
    skip_misc();
    if (!starts("<")) fail("expected the root element");
    auto root = element();
    skip_misc();
    if (i_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("XML error at offset " + std::to_string(i_) + ": " + why);
  }
  bool starts(std::string_view p) const { return s_.substr(i_, p.size()) == p; }
  void expect(std::string_view p) {
    if (!starts(p)) fail("expected '" + std::string(p) + "'");
    i_ += p.size();
  }
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void skip_misc() {
    for (;;) {
      skip_ws();
      if (starts("<?")) {
        const auto e = s_.find("?>", i_);
        if (e == std::string_view::npos) fail("unterminated processing instruction");
        i_ = e + 2;
      } else if (starts("<!--")) {
        comment();
      } else {
        return;
      }
    }
  }
  void comment() {
    const auto e = s_.find("-->", i_ + 4);
    if (e == std::string_view::npos) fail("unterminated comment");
    i_ = e + 3;
  }
  std::string name() {
    const std::size_t b = i_;
    auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ':' || c == '.'; };
    if (i_ >= s_.size() || !(std::isalpha(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) fail("bad name");
    while (i_ < s_.size() && ok(s_[i_])) ++i_;
    return std::string(s_.substr(b, i_ - b));
  }
  std::string decode(std::string_view raw) {
    std::string out;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '<') fail("raw '<' in text or attribute");
      if (raw[k] != '&') {
        out += raw[k];
        continue;
      }
      const auto semi = raw.find(';', k);
      if (semi == std::string_view::npos) fail("unterminated entity");
      const auto ent = raw.substr(k + 1, semi - k - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (!ent.empty() && ent[0] == '#') out += '?';
      else fail("unknown entity &" + std::string(ent) + ";");
      k = semi;
    }
    return out;
  }
  std::unique_ptr<Node> element() {
    expect("<");
    auto node = std::make_unique<Node>();
    node->name = name();
    for (;;) {
      const bool had_space = i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]));
      skip_ws();
      if (starts("/>")) {
        i_ += 2;
        return node;
      }
      if (starts(">")) {
        ++i_;
        break;
      }
      if (!had_space) fail("attributes must be separated by whitespace");
      const std::string key = name();
      skip_ws();
      expect("=");
      skip_ws();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) fail("attribute value must be quoted");
      const char q = s_[i_++];
      const auto e = s_.find(q, i_);
      if (e == std::string_view::npos) fail("unterminated attribute value");
      if (node->attrs.count(key) != 0) fail("duplicate attribute " + key);
      node->attrs[key] = decode(s_.substr(i_, e - i_));
      i_ = e + 1;
    }
    for (;;) {
      const auto lt = s_.find('<', i_);
      if (lt == std::string_view::npos) fail("unclosed <" + node->name + ">");
      node->text += decode(s_.substr(i_, lt - i_));
      i_ = lt;
      if (starts("</")) {
        i_ += 2;
        const std::string end = name();
        if (end != node->name) fail("</" + end + "> closes <" + node->name + ">");
        skip_ws();
        expect(">");
        return node;
      }
      if (starts("<!--")) {
        comment();
        continue;
      }
      node->children.push_back(element());
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

/// Parses a whole document; throws std::runtime_error when it is not well-formed.
inline std::unique_ptr<Node> parse(std::string_view text) { return Parser(text).document(); }

}  // namespace mini_xml
