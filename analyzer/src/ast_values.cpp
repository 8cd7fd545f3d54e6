// What a body tests of its numeric parameters and the values it passes on;
// see ast_values.hpp.
#include "ast_values.hpp"

#include <string>
#include <utility>

#include "ast_util.hpp"

namespace concheck::analyzer::detail {

namespace {

constexpr int kMaxDepth = 16;  // steps followed in one expression (const variables' initializers included)

enum class number { none, boolean, signed_int, unsigned_int, floating, duration };

struct number_type {
  number kind = number::none;
  long long size = 0;
  CXType rep{};  // a duration's count type
};

CXType without_reference(CXType t) {
  while (t.kind == CXType_LValueReference || t.kind == CXType_RValueReference) t = clang_getPointeeType(t);
  return clang_getCanonicalType(t);
}

number_type classify(CXType type) {
  CXType t = without_reference(type);
  number_type n;
  n.size = clang_Type_getSizeOf(t);
  switch (t.kind) {
    case CXType_Bool:
      n.kind = number::boolean;
      return n;
    case CXType_Char_U:
    case CXType_UChar:
    case CXType_UShort:
    case CXType_UInt:
    case CXType_ULong:
    case CXType_ULongLong:
    case CXType_UInt128:
    case CXType_Char16:
    case CXType_Char32:
      n.kind = number::unsigned_int;
      return n;
    case CXType_Char_S:
    case CXType_SChar:
    case CXType_Short:
    case CXType_Int:
    case CXType_Long:
    case CXType_LongLong:
    case CXType_Int128:
      n.kind = number::signed_int;
      return n;
    case CXType_Float:
    case CXType_Double:
    case CXType_LongDouble:
    case CXType_Float128:
      n.kind = number::floating;
      return n;
    case CXType_Enum: {
      number_type underlying = classify(clang_getEnumDeclIntegerType(clang_getTypeDeclaration(t)));
      return underlying.kind == number::boolean || underlying.kind == number::floating ? number_type{}
                                                                                       : underlying;
    }
    case CXType_Record:
      if (base_type_name(t) == "std::chrono::duration" && clang_Type_getNumTemplateArguments(t) >= 1) {
        n.kind = number::duration;
        n.rep = clang_getCanonicalType(clang_Type_getTemplateArgumentAsType(t, 0));
        if (classify(n.rep).kind == number::none) return number_type{};
      }
      return n;
    default:
      return n;
  }
}

bool is_number(CXType t) {
  return classify(t).kind != number::none;
}

constexpr sign_map kUnknown{{kAnySign, kAnySign, kAnySign}};
constexpr sign_map kIdentity{};

// Applies `outer` after `inner`.
sign_map then(const sign_map& inner, const sign_map& outer) {
  sign_map out{{0, 0, 0}};
  for (int s = 0; s < 3; ++s) {
    for (int b = 0; b < 3; ++b) {
      if ((inner.of[s] & (1 << b)) != 0) out.of[s] |= outer.of[b];
    }
  }
  return out;
}

// A number of type `from` converted to type `to` (a duration stands for its
// count, scaled by its period, a positive factor).
sign_map conversion(CXType from_type, CXType to_type) {
  number_type a = classify(from_type), b = classify(to_type);
  if (a.kind == number::duration) a = classify(a.rep);
  if (b.kind == number::duration) b = classify(b.rep);
  if (a.kind == number::none || b.kind == number::none || a.kind == number::duration ||
      b.kind == number::duration)
    return kUnknown;
  constexpr sign_map kTruncating{{kNegative | kZero, kZero, kPositive | kZero}};  // to a smaller magnitude
  constexpr sign_map kWrapping{{kAnySign, kZero, kAnySign}};  // modulo 2^N: zero stays zero
  if (b.kind == number::boolean) return sign_map{{kPositive, kZero, kPositive}};
  if (a.kind == number::boolean) return kIdentity;
  if (a.kind == number::floating || b.kind == number::floating) {
    if (a.kind != number::floating) return kIdentity;
    if (b.kind == number::floating && b.size >= a.size) return kIdentity;
    return kTruncating;
  }
  // Integers: a narrower type keeps only the low bits (a multiple of 2^N
  // becomes zero); the same bits read with the other signedness keep zero
  // and non-zero apart.
  bool a_signed = a.kind == number::signed_int, b_signed = b.kind == number::signed_int;
  if (b.size < a.size) return kWrapping;
  if (a_signed == b_signed) return kIdentity;
  if (a_signed) return sign_map{{kPositive, kZero, kPositive}};
  return b.size > a.size ? kIdentity : sign_map{{kNegative | kPositive, kZero, kNegative | kPositive}};
}

sign_map constant(sign_set s) {
  return sign_map{{s, s, s}};
}

sign_map negated(const sign_map& m, CXType type) {
  if (classify(type).kind == number::unsigned_int) return then(m, sign_map{{kPositive, kZero, kPositive}});
  return then(m, sign_map{{kPositive, kZero, kNegative}});
}

// The children of an expression that are expressions (a cast's type
// references left out).
std::vector<CXCursor> operands(CXCursor e) {
  std::vector<CXCursor> out;
  for (CXCursor k : children(e)) {
    if (clang_isExpression(clang_getCursorKind(k)) != 0) out.push_back(k);
  }
  return out;
}

// The value of a literal such as `100ms` or `0.5s` (std::chrono's literal
// operators): positive or zero by its digits.
std::optional<sign_set> duration_literal(CXCursor call) {
  auto tokens = tokens_of(call);
  if (tokens.size() != 1) return std::nullopt;
  const std::string& t = tokens[0];
  std::size_t digits = t.find_first_not_of("0123456789'.");
  if (digits == 0 || digits == std::string::npos) return std::nullopt;
  std::string suffix = t.substr(digits);
  if (suffix != "h" && suffix != "min" && suffix != "s" && suffix != "ms" && suffix != "us" && suffix != "ns")
    return std::nullopt;
  if (t.find("..") != std::string::npos || (t.size() > 1 && t[0] == '0' && t[1] != '.' && digits > 1))
    return std::nullopt;  // an octal-looking or odd spelling: left alone
  return t.find_first_of("123456789") < digits ? kPositive : kZero;
}

bool comparison(CXBinaryOperatorKind k) {
  return k == CXBinaryOperator_EQ || k == CXBinaryOperator_NE || k == CXBinaryOperator_LT ||
         k == CXBinaryOperator_GT || k == CXBinaryOperator_LE || k == CXBinaryOperator_GE;
}

CXBinaryOperatorKind comparison_named(const std::string& op) {
  if (op == "operator==") return CXBinaryOperator_EQ;
  if (op == "operator!=") return CXBinaryOperator_NE;
  if (op == "operator<") return CXBinaryOperator_LT;
  if (op == "operator>") return CXBinaryOperator_GT;
  if (op == "operator<=") return CXBinaryOperator_LE;
  if (op == "operator>=") return CXBinaryOperator_GE;
  return CXBinaryOperator_Invalid;
}

// The signs of x for which `x op 0` holds.
sign_set satisfying(CXBinaryOperatorKind op) {
  switch (op) {
    case CXBinaryOperator_EQ:
      return kZero;
    case CXBinaryOperator_NE:
      return kNegative | kPositive;
    case CXBinaryOperator_LT:
      return kNegative;
    case CXBinaryOperator_GT:
      return kPositive;
    case CXBinaryOperator_LE:
      return kNegative | kZero;
    case CXBinaryOperator_GE:
      return kZero | kPositive;
    default:
      return kAnySign;
  }
}

CXBinaryOperatorKind mirrored(CXBinaryOperatorKind op) {  // 0 op x  ==  x mirrored(op) 0
  switch (op) {
    case CXBinaryOperator_LT:
      return CXBinaryOperator_GT;
    case CXBinaryOperator_GT:
      return CXBinaryOperator_LT;
    case CXBinaryOperator_LE:
      return CXBinaryOperator_GE;
    case CXBinaryOperator_GE:
      return CXBinaryOperator_LE;
    default:
      return op;
  }
}

// The signs of the parameter for which the value `v` has one of `wanted`.
std::optional<param_signs> inverse(const traced_value& v, sign_set wanted) {
  if (v.constant()) return std::nullopt;
  sign_set allowed = 0;
  for (int s = 0; s < 3; ++s) {
    if ((v.map.of[s] & wanted) != 0) allowed |= static_cast<sign_set>(1 << s);
  }
  if (allowed == kAnySign) return std::nullopt;
  return param_signs{v.param, allowed};
}

bool is_zero_constant(const std::optional<traced_value>& v) {
  return v && v->constant() && v->map.of[0] == kZero;
}

// The operands `a`, `b` of a C++20 comparison `a op b` rewritten through
// `<=>` or `==` (durations): `(a <=> b) op 0`, `0 op (b <=> a)`, `!(a == b)`;
// `semantic` is the rewritten form.
std::optional<std::pair<CXCursor, CXCursor>> rewritten_operands(CXCursor semantic) {
  CXCursor c = strip(semantic);
  if (clang_getCursorKind(c) == CXCursor_UnaryOperator &&
      clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_LNot) {
    auto ops = operands(c);
    if (ops.size() != 1) return std::nullopt;
    c = strip(ops[0]);
  }
  if (clang_getCursorKind(c) != CXCursor_CallExpr || clang_Cursor_getNumArguments(c) != 2)
    return std::nullopt;
  CXCursor x = clang_Cursor_getArgument(c, 0), y = clang_Cursor_getArgument(c, 1);
  if (spelling(c) == "operator==") return std::make_pair(x, y);
  auto three_way = [](CXCursor e) {
    e = strip(e);
    return clang_getCursorKind(e) == CXCursor_CallExpr && spelling(e) == "operator<=>" &&
                   clang_Cursor_getNumArguments(e) == 2
               ? e
               : clang_getNullCursor();
  };
  if (CXCursor t = three_way(x); !is_null(t))
    return std::make_pair(clang_Cursor_getArgument(t, 0), clang_Cursor_getArgument(t, 1));
  if (CXCursor t = three_way(y); !is_null(t))
    return std::make_pair(clang_Cursor_getArgument(t, 1), clang_Cursor_getArgument(t, 0));
  return std::nullopt;
}

// A default argument (CXXDefaultArgExpr): no operands and no place in the source.
bool default_argument(CXCursor arg) {
  return clang_getCursorKind(arg) == CXCursor_UnexposedExpr && children(arg).empty() &&
         clang_Range_isNull(clang_getCursorExtent(arg)) != 0;
}

}  // namespace

int value_reader::unchanged_param(CXCursor parm_decl) {
  std::string id = usr(parm_decl);
  int index = 0;
  int found = -1;
  for (CXCursor p : children(decl_)) {
    if (clang_getCursorKind(p) != CXCursor_ParmDecl) continue;
    if (!id.empty() && usr(p) == id) found = index;
    ++index;
  }
  if (found < 0) return -1;
  if (!changed_) scan_changes();
  return changed_->count(found) != 0 ? -1 : found;
}

std::optional<traced_value> value_reader::value_of(CXCursor e, int depth) {
  if (depth > kMaxDepth || is_null(e)) return std::nullopt;
  CXType type = clang_getCursorType(e);
  number_type n = classify(type);
  if (n.kind == number::none) return std::nullopt;
  CXCursorKind k = clang_getCursorKind(e);
  if (n.kind != number::duration && k != CXCursor_DeclRefExpr) {
    if (CXEvalResult r = clang_Cursor_Evaluate(e)) {
      std::optional<traced_value> out;
      CXEvalResultKind rk = clang_EvalResult_getKind(r);
      if (rk == CXEval_Int) {
        sign_set s = kZero;
        if (clang_EvalResult_isUnsignedInt(r) != 0) {
          s = clang_EvalResult_getAsUnsigned(r) != 0 ? kPositive : kZero;
        } else {
          long long v = clang_EvalResult_getAsLongLong(r);
          s = v < 0 ? kNegative : v > 0 ? kPositive : kZero;
        }
        out = traced_value{-1, constant(s)};
      } else if (rk == CXEval_Float) {
        double v = clang_EvalResult_getAsDouble(r);
        out = traced_value{-1, constant(v < 0 ? kNegative : v > 0 ? kPositive : kZero)};
      }
      clang_EvalResult_dispose(r);
      if (out) return out;
    }
  }
  auto through = [&](CXCursor inner, const sign_map& step) -> std::optional<traced_value> {
    auto v = value_of(inner, depth + 1);
    if (!v) return v;
    v->map = then(v->map, step);
    return v;
  };
  switch (k) {
    case CXCursor_ParenExpr:
    case CXCursor_UnexposedExpr:
    case CXCursor_CStyleCastExpr:
    case CXCursor_CXXStaticCastExpr:
    case CXCursor_CXXFunctionalCastExpr: {
      auto ops = operands(e);
      if (ops.size() != 1) return std::nullopt;
      return through(ops[0], conversion(clang_getCursorType(ops[0]), type));
    }
    case CXCursor_UnaryOperator: {
      auto ops = operands(e);
      if (ops.size() != 1) return std::nullopt;
      sign_map in = conversion(clang_getCursorType(ops[0]), type);
      switch (clang_getCursorUnaryOperatorKind(e)) {
        case CXUnaryOperator_Plus:
          return through(ops[0], in);
        case CXUnaryOperator_Minus:
          return through(ops[0], negated(in, type));
        case CXUnaryOperator_LNot:
          return through(ops[0], sign_map{{kZero, kPositive, kZero}});
        default:
          return std::nullopt;
      }
    }
    case CXCursor_DeclRefExpr: {
      CXCursor d = clang_getCursorReferenced(e);
      CXCursorKind dk = clang_getCursorKind(d);
      if (dk == CXCursor_ParmDecl) {
        int index = unchanged_param(d);
        if (index < 0) return std::nullopt;
        return traced_value{index, kIdentity};
      }
      if (dk == CXCursor_EnumConstantDecl) {
        long long v = clang_getEnumConstantDeclValue(d);
        return traced_value{-1, constant(v < 0 ? kNegative : v > 0 ? kPositive : kZero)};
      }
      CXType dt = clang_getCursorType(d);
      if (dk != CXCursor_VarDecl || dt.kind == CXType_LValueReference || dt.kind == CXType_RValueReference ||
          clang_isConstQualifiedType(dt) == 0)
        return std::nullopt;
      CXCursor init = var_initializer(d);  // a const variable: its value is its initializer's
      if (is_null(init)) return std::nullopt;
      return through(init, conversion(clang_getCursorType(init), type));
    }
    case CXCursor_CallExpr:
      return call_value(e, type, depth);
    default:
      return std::nullopt;
  }
}

std::optional<traced_value> value_reader::call_value(CXCursor call, CXType type, int depth) {
  CXCursor callee = clang_getCursorReferenced(call);
  if (is_null(callee) || !in_system_header(callee)) return std::nullopt;
  CXCursorKind ck = clang_getCursorKind(callee);
  number_type n = classify(type);
  if (ck == CXCursor_Constructor && n.kind == number::duration && clang_Cursor_getNumArguments(call) == 1) {
    CXCursor arg = clang_Cursor_getArgument(call, 0);  // duration(count), or another duration
    auto v = value_of(arg, depth + 1);
    if (v) v->map = then(v->map, conversion(clang_getCursorType(arg), type));
    return v;
  }
  std::string name = spelling(callee);
  if (ck == CXCursor_CXXMethod && name == "count") {
    CXCursor object = method_call_object(call);
    if (is_null(object) || classify(clang_getCursorType(object)).kind != number::duration)
      return std::nullopt;
    auto v = value_of(object, depth + 1);
    if (v) v->map = then(v->map, conversion(clang_getCursorType(object), type));
    return v;
  }
  if (n.kind == number::duration && name.rfind("operator\"\"", 0) == 0) {
    if (auto s = duration_literal(call)) return traced_value{-1, constant(*s)};
  }
  return std::nullopt;
}

std::vector<param_signs> value_reader::tests(CXCursor cond, bool branch) {
  CXCursor c = cond;
  for (;;) {  // parentheses and implicit conversions (to bool: truth is "not zero")
    CXCursorKind k = clang_getCursorKind(c);
    auto ops = operands(c);
    if ((k != CXCursor_ParenExpr && k != CXCursor_UnexposedExpr) || ops.size() != 1) break;
    if (comparison(clang_getCursorBinaryOperatorKind(c))) break;  // a C++20 rewritten comparison
    c = ops[0];
  }
  CXCursorKind k = clang_getCursorKind(c);
  std::vector<param_signs> out;
  auto compare = [&](CXCursor lhs, CXCursor rhs, CXBinaryOperatorKind op) {
    auto l = value_of(lhs), r = value_of(rhs);
    std::optional<param_signs> known;
    sign_set holds = satisfying(op);
    if (is_zero_constant(r) && l) {
      known = inverse(*l, branch ? holds : static_cast<sign_set>(~holds & kAnySign));
    } else if (is_zero_constant(l) && r) {
      holds = satisfying(mirrored(op));
      known = inverse(*r, branch ? holds : static_cast<sign_set>(~holds & kAnySign));
    }
    if (known) out.push_back(*known);
  };
  if (k == CXCursor_UnaryOperator && clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_LNot) {
    auto ops = operands(c);
    return ops.size() == 1 ? tests(ops[0], !branch) : out;
  }
  if (k == CXCursor_BinaryOperator ||
      (k == CXCursor_UnexposedExpr && comparison(clang_getCursorBinaryOperatorKind(c)))) {
    auto ops = operands(c);
    if (ops.size() == 1 && comparison(clang_getCursorBinaryOperatorKind(c))) {
      if (auto ab = rewritten_operands(ops[0]))
        compare(ab->first, ab->second, clang_getCursorBinaryOperatorKind(c));
      return out;
    }
    if (ops.size() != 2) return out;
    CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
    if ((op == CXBinaryOperator_LAnd && branch) || (op == CXBinaryOperator_LOr && !branch)) {
      out = tests(ops[0], branch);
      for (const auto& t : tests(ops[1], branch)) out.push_back(t);
    } else if (comparison(op)) {
      compare(ops[0], ops[1], op);
    }
    return out;
  }
  if (k == CXCursor_CallExpr) {  // an overloaded comparison: durations
    CXBinaryOperatorKind op = comparison_named(spelling(c));
    if (op != CXBinaryOperator_Invalid && clang_Cursor_getNumArguments(c) == 2) {
      if (auto ab = rewritten_operands(c)) {
        compare(ab->first, ab->second, op);
      } else {
        compare(clang_Cursor_getArgument(c, 0), clang_Cursor_getArgument(c, 1), op);
      }
      return out;
    }
  }
  if (auto v = value_of(c)) {  // a number as a condition: true when not zero
    if (auto known = inverse(*v, branch ? kNegative | kPositive : kZero)) out.push_back(*known);
  }
  return out;
}

std::vector<arg_value> value_reader::arguments(CXCursor callee, const std::vector<CXCursor>& args) {
  std::vector<arg_value> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!is_number(clang_getCursorType(args[i]))) continue;
    auto v = value_of(args[i]);
    if (!v && default_argument(args[i]) && !is_null(callee)) {
      CXCursor parm = clang_Cursor_getArgument(callee, static_cast<unsigned>(i));
      CXCursor init = is_null(parm) ? parm : var_initializer(parm);
      if (!is_null(init)) {
        v = value_of(init);
        if (v && !v->constant()) v.reset();  // not this function's parameter
        if (v) v->map = then(v->map, conversion(clang_getCursorType(init), clang_getCursorType(parm)));
      }
    }
    if (v)
      out.push_back(arg_value{static_cast<unsigned>(i), v->param, v->map.of[0], v->map.of[1], v->map.of[2]});
  }
  return out;
}

namespace {

struct change_scan {
  std::vector<std::string> params;  // USRs, by index
  std::set<int>& changed;

  void mark(CXCursor e) {
    CXCursor r = strip_casts(e);
    if (clang_getCursorKind(r) != CXCursor_DeclRefExpr) return;
    std::string id = usr(clang_getCursorReferenced(r));
    if (id.empty()) return;
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (params[i] == id) changed.insert(static_cast<int>(i));
    }
  }
  static bool mutable_reference(CXType t) {
    if (t.kind == CXType_RValueReference) return true;
    return t.kind == CXType_LValueReference && clang_isConstQualifiedType(clang_getPointeeType(t)) == 0;
  }
  void call(CXCursor c) {
    CXCursor callee = clang_getCursorReferenced(c);
    int n = clang_Cursor_getNumArguments(c);
    if (is_null(callee)) {  // through a pointer, or not yet resolved: may change any argument
      for (int i = 0; i < n; ++i) mark(clang_Cursor_getArgument(c, static_cast<unsigned>(i)));
      return;
    }
    CXCursorKind ck = clang_getCursorKind(callee);
    bool method = ck == CXCursor_CXXMethod && clang_CXXMethod_isStatic(callee) == 0;
    if (method && clang_CXXMethod_isConst(callee) == 0) mark(method_call_object(c));
    CXType ft = clang_getCursorType(callee);
    int declared = clang_getNumArgTypes(ft);
    auto kids = children(c);
    // An operator called as `a += b` lists its object as argument 0.
    int offset = method && n == declared + 1 &&
                         (kids.empty() || clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr)
                     ? 1
                     : 0;
    for (int i = offset; i < n; ++i) {
      CXCursor arg = clang_Cursor_getArgument(c, static_cast<unsigned>(i));
      if (declared < 0) {
        mark(arg);  // a template not yet instantiated: parameter types unknown
      } else if (i - offset < declared) {
        if (mutable_reference(clang_getArgType(ft, static_cast<unsigned>(i - offset)))) mark(arg);
      }
    }
  }
  void scan(CXCursor c, bool in_lambda) {
    for (CXCursor k : children(c)) {
      CXCursorKind kind = clang_getCursorKind(k);
      if (kind == CXCursor_LambdaExpr) {
        scan(k, true);
        continue;
      }
      if (in_lambda && kind == CXCursor_DeclRefExpr) mark(k);
      if (kind == CXCursor_BinaryOperator || kind == CXCursor_CompoundAssignOperator) {
        CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(k);
        auto ops = operands(k);
        if (op >= CXBinaryOperator_Assign && op <= CXBinaryOperator_OrAssign && !ops.empty()) mark(ops[0]);
      } else if (kind == CXCursor_UnaryOperator) {
        CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(k);
        auto ops = operands(k);
        if ((op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec || op == CXUnaryOperator_PreInc ||
             op == CXUnaryOperator_PreDec || op == CXUnaryOperator_AddrOf) &&
            !ops.empty())
          mark(ops[0]);
      } else if (kind == CXCursor_CallExpr) {
        call(k);
      } else if (kind == CXCursor_VarDecl && mutable_reference(clang_getCursorType(k))) {
        CXCursor init = var_initializer(k);
        if (!is_null(init)) mark(init);
      }
      scan(k, in_lambda);
    }
  }
};

}  // namespace

void value_reader::scan_changes() {
  changed_.emplace();
  change_scan s{{}, *changed_};
  for (CXCursor p : children(decl_)) {
    if (clang_getCursorKind(p) == CXCursor_ParmDecl) s.params.push_back(usr(p));
  }
  if (!is_null(body_)) s.scan(body_, false);
}

}  // namespace concheck::analyzer::detail
