// extract_facts(): the walk over a translation unit's declarations that hands
// every function body in user code to a body_walker.
#include <algorithm>

#include "ast_member_stores.hpp"
#include "ast_util.hpp"
#include "ast_walker.hpp"
#include "facts.hpp"

namespace concheck::analyzer {

void tu_facts_deleter::operator()(tu_facts* p) const noexcept {
  delete p;
}

namespace detail {

std::vector<std::string> tu_context::attributes(CXCursor decl) {
  std::vector<std::string> out;
  for (CXCursor k : children(decl)) {
    if (clang_getCursorKind(k) == CXCursor_UnexposedAttr) out.push_back(attribute_name(k));
  }
  return out;
}

std::vector<lock_name> tu_context::annotation_locks(CXCursor decl, CXCursor owner_class,
                                                    const std::string& attribute) {
  // The C API does not expose an attribute's arguments, and through a macro
  // the attribute's own extent is the macro definition. The declaration's
  // tokens (up to its body) do hold the arguments as written: every
  // identifier there that names a lockable field of the class or a global
  // lock is taken to be one.
  std::vector<lock_name> out;
  std::map<std::string, lock_name> fields;
  if (!is_null(owner_class)) {
    CXCursor def = clang_getCursorDefinition(owner_class);
    if (!is_null(def)) {
      for (CXCursor m : children(def)) {
        CXCursorKind mk = clang_getCursorKind(m);
        if ((mk == CXCursor_FieldDecl || mk == CXCursor_VarDecl) &&
            types.is_lockable(clang_getCursorType(m))) {
          fields[spelling(m)] = lock_name{usr(m), qualified_name(m)};
        }
      }
    }
  }
  auto tokens = tokens_of(decl);
  {
    // A field's extent stops before its attributes: read on to the ';'.
    CXTranslationUnit tu = clang_Cursor_getTranslationUnit(decl);
    CXCursor parent = clang_getCursorSemanticParent(decl);
    CXSourceRange rest = clang_getRange(clang_getRangeEnd(clang_getCursorExtent(decl)),
                                        clang_getRangeEnd(clang_getCursorExtent(parent)));
    CXToken* more = nullptr;
    unsigned count = 0;
    clang_tokenize(tu, rest, &more, &count);
    for (unsigned i = 0; i < count; ++i) {
      std::string t = to_string(clang_getTokenSpelling(tu, more[i]));
      if (t == ";" || t == "{") break;
      tokens.push_back(t);
    }
    clang_disposeTokens(tu, more, count);
  }
  std::string own_name = spelling(decl);
  bool after_name = false;
  for (const auto& t : tokens) {
    if (t == "{") break;  // the body: annotations come before it
    if (!after_name) {
      after_name = t == own_name;
      continue;
    }
    if (auto f = fields.find(t); f != fields.end()) {
      out.push_back(f->second);
    } else if (auto g = global_locks_by_name.find(t); g != global_locks_by_name.end()) {
      out.push_back(g->second);
    }
  }
  (void)attribute;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void tu_context::note_class(CXCursor cls) {
  std::string id = usr(cls);
  if (id.empty() || facts.classes.count(id) != 0) return;
  class_info info;
  info.id = id;
  info.display = qualified_name(cls);
  info.system = in_system_header(cls);
  CXCursor def = clang_getCursorDefinition(cls);
  if (!is_null(def)) {
    for (CXCursor m : children(def)) {
      if (clang_getCursorKind(m) == CXCursor_FieldDecl && types.is_lockable(clang_getCursorType(m)))
        info.owns_lock = true;
    }
  }
  facts.classes[id] = info;
}

namespace {

bool is_function_kind(CXCursorKind k) {
  return k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_Constructor ||
         k == CXCursor_Destructor || k == CXCursor_FunctionTemplate || k == CXCursor_ConversionFunction;
}

void summarize_function(tu_context& tu, CXCursor c) {
  CXCursor body = clang_getNullCursor();
  for (CXCursor k : children(c)) {
    if (clang_getCursorKind(k) == CXCursor_CompoundStmt) body = k;
  }
  if (is_null(body)) return;
  std::string id = usr(c);
  if (id.empty() || tu.facts.functions.count(id) != 0) return;
  function_facts& f = tu.facts.functions[id];
  f.id = id;
  f.display = qualified_name(c);
  f.where = location_of(c);
  CXCursorKind k = clang_getCursorKind(c);
  CXCursor parent = clang_getCursorSemanticParent(c);
  CXCursorKind pk = clang_getCursorKind(parent);
  bool in_class = pk == CXCursor_ClassDecl || pk == CXCursor_StructDecl || pk == CXCursor_ClassTemplate ||
                  pk == CXCursor_ClassTemplatePartialSpecialization;
  f.is_method = in_class;
  // A constructor template (template <class T> C(T)) is a constructor too.
  CXCursorKind as = k == CXCursor_FunctionTemplate ? clang_getTemplateCursorKind(c) : k;
  f.is_ctor_or_dtor = as == CXCursor_Constructor || as == CXCursor_Destructor;
  f.is_main = f.display == "main";
  f.is_virtual = k == CXCursor_CXXMethod && clang_CXXMethod_isVirtual(c) != 0;
  if (in_class) {
    f.owner_class = usr(parent);
    tu.note_class(parent);
    auto access = clang_getCXXAccessSpecifier(c);
    f.is_public =
        access == CX_CXXPublic || (access == CX_CXXInvalidAccessSpecifier && pk == CXCursor_StructDecl);
  }
  for (const auto& attr : tu_context::attributes(c)) {
    if (attr.find("requires") != std::string::npos || attr.find("locks_required") != std::string::npos) {
      auto locks = tu.annotation_locks(c, in_class ? parent : clang_getNullCursor(), attr);
      // A definition inherits the attribute of its first declaration but not
      // the spelled arguments: read those there.
      if (locks.empty())
        locks =
            tu.annotation_locks(clang_getCanonicalCursor(c), in_class ? parent : clang_getNullCursor(), attr);
      f.requires_locks.insert(f.requires_locks.end(), locks.begin(), locks.end());
    }
  }
  body_walker walker(tu, f, c);
  walker.walk_body(body);
  scan_member_stores(tu, c);
}

// Records a virtual method's direct overrides and pureness, from any of its
// declarations (a class body without method bodies included).
void note_virtual(tu_context& tu, CXCursor c) {
  if (clang_CXXMethod_isVirtual(c) == 0) return;
  std::string id = usr(c);
  if (id.empty()) return;
  method_decl& m = tu.facts.methods[id];
  m.pure = m.pure || clang_CXXMethod_isPureVirtual(c) != 0;
  CXCursor* overridden = nullptr;
  unsigned n = 0;
  clang_getOverriddenCursors(c, &overridden, &n);
  for (unsigned i = 0; i < n; ++i) {
    std::string base = usr(overridden[i]);
    if (!base.empty()) m.overrides.push_back(std::move(base));
  }
  clang_disposeOverriddenCursors(overridden);
  std::sort(m.overrides.begin(), m.overrides.end());
  m.overrides.erase(std::unique(m.overrides.begin(), m.overrides.end()), m.overrides.end());
}

void visit_decls(tu_context& tu, CXCursor parent) {
  for (CXCursor c : children(parent)) {
    if (in_system_header(c)) continue;
    CXCursorKind k = clang_getCursorKind(c);
    if (is_function_kind(k)) {
      if (k == CXCursor_CXXMethod || k == CXCursor_Destructor) note_virtual(tu, c);
      summarize_function(tu, c);
    } else if (k == CXCursor_Namespace || k == CXCursor_LinkageSpec || k == CXCursor_UnexposedDecl ||
               k == CXCursor_ClassDecl || k == CXCursor_StructDecl || k == CXCursor_ClassTemplate ||
               k == CXCursor_ClassTemplatePartialSpecialization) {
      if (k == CXCursor_ClassDecl || k == CXCursor_StructDecl) tu.note_class(c);
      visit_decls(tu, c);
    } else if (k == CXCursor_FieldDecl) {
      note_field_initializer(tu, c);
    } else if (k == CXCursor_VarDecl && tu.types.is_lockable(clang_getCursorType(c))) {
      tu.global_locks_by_name[spelling(c)] = lock_name{usr(c), qualified_name(c)};
    }
  }
}

}  // namespace

void summarize_local_class(tu_context& tu, CXCursor class_decl) {
  tu.note_class(class_decl);
  visit_decls(tu, class_decl);
}

}  // namespace detail

tu_facts_ptr extract_facts(CXTranslationUnit tu, const analysis_options&) {
  tu_facts_ptr facts(new tu_facts());
  if (tu == nullptr) return facts;
  detail::tu_context context(*facts);
  detail::visit_decls(context, clang_getTranslationUnitCursor(tu));
  // A local is shared only when some lambda captures it by reference.
  for (auto& [id, f] : facts->functions) {
    std::erase_if(f.accesses, [&](const access_fact& a) {
      auto v = facts->vars.find(a.var);
      return v != facts->vars.end() && v->second.kind == var_kind::local &&
             context.captured_locals.count(a.var) == 0;
    });
  }
  // An argument that is such a local is shared, not the caller's own.
  for (auto& [id, f] : facts->functions) {
    for (auto& c : f.calls) {
      for (auto& o : c.arg_origins) {
        if (!o.local.empty() && context.captured_locals.count(o.local) != 0)
          o.what = arg_origin::kind::shared_root;
        o.local = interned();
      }
    }
  }
  std::erase_if(facts->vars, [&](const auto& entry) {
    return entry.second.kind == var_kind::local && context.captured_locals.count(entry.first) == 0;
  });
  // Facts live until the rules run over every TU: give back what push_back
  // over-reserved (up to half of each vector).
  for (auto& [id, f] : facts->functions) {
    f.accesses.shrink_to_fit();
    f.acquisitions.shrink_to_fit();
    f.calls.shrink_to_fit();
    f.spawns.shrink_to_fit();
    f.joins.shrink_to_fit();
    f.cv_waits.shrink_to_fit();
    f.blocking.shrink_to_fit();
    f.unjoined_threads.shrink_to_fit();
  }
  return facts;
}

}  // namespace concheck::analyzer
